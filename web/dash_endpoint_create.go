package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

func (s *Server) dashEndpointNew(w http.ResponseWriter, r *http.Request) error {
	f := views.EndpointForm{New: true, Action: "/endpoints", Enabled: true, EventTypes: webhook.EventTypes,
		Events: map[string]bool{}}
	for _, e := range webhook.EventTypes {
		f.Events[e] = true
	}
	return s.render(w, r, http.StatusOK, views.EndpointFormPage(s.chrome(r, "Add an endpoint", "endpoints"), f))
}

// endpointFormInput reads and checks the endpoint form with the API's rules.
func (s *Server) endpointFormInput(r *http.Request, f *views.EndpointForm) (url string, events []string) {
	_ = r.ParseForm()
	f.URL = strings.TrimSpace(r.PostForm.Get("url"))
	f.Description = r.PostForm.Get("description")
	f.Events = map[string]bool{}
	for _, e := range r.PostForm["events"] {
		f.Events[e] = true
	}
	f.EventTypes = webhook.EventTypes
	f.Errors = map[string]string{}
	url, msg := s.checkEndpointURL(r.Context(), f.URL)
	if msg != "" {
		// The rules say "URL must ..." (the API shows them as they are).
		f.Errors["url"] = "This URL " + strings.TrimPrefix(msg, "URL ")
	}
	events, msg = checkEvents(r.PostForm["events"])
	if msg != "" {
		f.Errors["events"] = "Choose at least one event type."
		if len(r.PostForm["events"]) > 0 {
			f.Errors["events"] = "Unknown event type; choose from the list."
		}
	}
	if msg := checkDescription(f.Description); msg != "" {
		f.Errors["description"] = "The description " + msg + "."
	}
	return url, events
}

func (s *Server) dashEndpointCreate(w http.ResponseWriter, r *http.Request) error {
	u, _ := currentUser(r.Context())
	f := views.EndpointForm{New: true, Action: "/endpoints"}
	url, events := s.endpointFormInput(r, &f)
	f.Enabled = r.PostForm.Get("enabled") == "true"
	if len(f.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, views.EndpointFormPage(s.chrome(r, "Add an endpoint", "endpoints"), f))
	}
	ep, _, err := s.store.EndpointCreate(r.Context(), actor(r), store.NewEndpoint{
		UserID: u.ID, URL: url, Description: f.Description, Events: events, Enabled: f.Enabled,
		Max: s.cfg.MaxEndpointsPerUser,
	})
	var conflict *store.Conflict
	if errors.As(err, &conflict) {
		f.Error = "You have reached the limit: " + conflict.Msg + "."
		return s.render(w, r, http.StatusConflict, views.EndpointFormPage(s.chrome(r, "Add an endpoint", "endpoints"), f))
	} else if err != nil {
		return err
	}
	s.flash(r.Context(), "ok", "Endpoint added. Reveal its signing secret below to verify deliveries, then send a test event.")
	http.Redirect(w, r, endpointPath(ep.ID), http.StatusSeeOther)
	return nil
}
