package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

func (s *Server) dashEndpointEnable(w http.ResponseWriter, r *http.Request) error {
	return s.setEndpointEnabled(w, r, true)
}

func (s *Server) dashEndpointDisable(w http.ResponseWriter, r *http.Request) error {
	return s.setEndpointEnabled(w, r, false)
}

// setEndpointEnabled answers htmx with the summary card, and the test event
// form out of band (its button depends on the state); a plain POST goes
// back to the endpoint page.
func (s *Server) setEndpointEnabled(w http.ResponseWriter, r *http.Request, enabled bool) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	u, _ := currentUser(r.Context())
	ep, err = s.store.EndpointUpdate(r.Context(), actor(r), ep.ID, store.EndpointPatch{
		Enabled: &enabled, DisabledReason: "disabled in the dashboard by " + u.Email,
	})
	if err != nil {
		return err
	}
	if !isHTMX(r) {
		return redirect(w, r, endpointPath(ep.ID))
	}
	v := s.endpointView(ep)
	v.Test.OOB = true
	return s.render(w, r, http.StatusOK, views.EndpointSummary(v))
}
