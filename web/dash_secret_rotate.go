package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashSecretRotate makes a new signing secret (after the page's
// confirmation, which says retries will be signed with it) and shows it.
func (s *Server) dashSecretRotate(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	secret, _, err := s.store.EndpointRotateSecret(r.Context(), actor(r), ep.ID, 0)
	if err != nil {
		return err
	}
	return s.renderSecret(w, r, ep.ID, views.SecretView{EndpointID: ep.ID, Revealed: secret, Rotated: true})
}
