package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashSecretReveal shows the signing secret, and a pending one. A POST,
// because it writes an audit entry; never cached.
func (s *Server) dashSecretReveal(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	sec, err := s.store.EndpointRevealSecret(r.Context(), actor(r), ep.ID)
	if err != nil {
		return err
	}
	sv := s.secretView(ep)
	sv.Revealed, sv.PendingRevealed = sec.Active, sec.Pending
	return s.renderSecret(w, r, ep.ID, sv)
}

// renderSecret answers htmx with the secret box, anything else with the
// whole endpoint page showing the secret.
func (s *Server) renderSecret(w http.ResponseWriter, r *http.Request, id string, sv views.SecretView) error {
	w.Header().Set("Cache-Control", "no-store")
	if isHTMX(r) {
		return s.render(w, r, http.StatusOK, views.SecretBox(sv))
	}
	ep, err := s.store.EndpointGet(r.Context(), id)
	if err != nil {
		return err
	}
	v := s.endpointView(ep)
	v.Secret = sv
	return s.renderEndpointPage(w, r, http.StatusOK, ep.Url, ep, v)
}
