package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashEndpointShow is the endpoint page. htmx asks it for two pieces: the
// empty drawer (closing it) and the masked secret box ("Hide").
func (s *Server) dashEndpointShow(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	v := s.endpointView(ep)
	switch fragmentTarget(r) {
	case "drawer":
		w.WriteHeader(http.StatusOK)
		return nil
	case "secret-box":
		return s.render(w, r, http.StatusOK, views.SecretBox(v.Secret))
	}
	return s.renderEndpointPage(w, r, http.StatusOK, ep.Url, ep, v)
}
