package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashEndpointShow is the endpoint page (read-only once deleted). htmx
// asks it for three pieces: the empty drawer (closing it, which tells the
// page to refresh what it shows), the masked secret box ("Hide") and the
// summary card (that refresh).
func (s *Server) dashEndpointShow(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpointHistory(r)
	if err != nil {
		return err
	}
	v := s.endpointView(ep)
	switch target := fragmentTarget(r); {
	case target == "drawer":
		triggerDeliveriesChanged(w)
		w.WriteHeader(http.StatusOK)
		return nil
	case ep.DeletedAt != nil && (target == "endpoint-summary" || target == "secret-box"):
		return errDeleted(ep)
	case target == "endpoint-summary":
		return s.endpointSummaryRefresh(w, r, ep, v)
	case target == "secret-box":
		return s.render(w, r, http.StatusOK, views.SecretBox(v.Secret))
	}
	return s.renderEndpointPage(w, r, http.StatusOK, ep.Url, ep, v)
}
