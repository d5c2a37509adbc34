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
		if enabled {
			s.flash(r.Context(), "ok", "Endpoint enabled. You can retry the deliveries that failed meanwhile below.")
		}
		return redirect(w, r, endpointPath(ep.ID))
	}
	// The recovery card changes with the state: enabling offers to retry
	// the deliveries that failed meanwhile, counted first.
	v := s.endpointView(ep)
	v.Test.OOB = true
	if v.Recovery, err = s.recoveryCard(r.Context(), ep, enabled); err != nil {
		return err
	}
	v.Recovery.OOB = true
	return s.render(w, r, http.StatusOK, views.EndpointSummary(v))
}
