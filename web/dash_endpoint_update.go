package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

func (s *Server) dashEndpointEdit(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	f := views.EndpointForm{ID: ep.ID, Action: endpointPath(ep.ID) + "/edit", URL: ep.Url, Description: ep.Description,
		EventTypes: webhook.EventTypes, Events: map[string]bool{}, Enabled: ep.Enabled}
	for _, e := range ep.Events {
		f.Events[e] = true
	}
	return s.render(w, r, http.StatusOK, views.EndpointFormPage(s.chrome(r, "Edit endpoint", "endpoints"), f))
}

func (s *Server) dashEndpointUpdate(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	f := views.EndpointForm{ID: ep.ID, Action: endpointPath(ep.ID) + "/edit"}
	url, events := s.endpointFormInput(r, &f)
	if len(f.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, views.EndpointFormPage(s.chrome(r, "Edit endpoint", "endpoints"), f))
	}
	if _, err := s.store.EndpointUpdate(r.Context(), actor(r), ep.ID, store.EndpointPatch{
		URL: &url, Description: &f.Description, Events: events,
	}); err != nil {
		return err
	}
	s.flash(r.Context(), "ok", "Endpoint saved.")
	http.Redirect(w, r, endpointPath(ep.ID), http.StatusSeeOther)
	return nil
}
