package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// dashEndpointShow is the endpoint page (read-only once deleted); ?event=
// chooses the test event's type, and its example. htmx asks it for four
// pieces: the empty drawer (closing it, which tells the page to refresh
// what it shows), the masked secret box ("Hide"), the summary card (that
// refresh) and the test event's data field (another event type chosen:
// its example).
func (s *Server) dashEndpointShow(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpointHistory(r)
	if err != nil {
		return err
	}
	v := s.endpointView(ep)
	if event := r.URL.Query().Get("event"); webhook.KnownEvent(event) {
		v.Test.Event, v.Test.Data = event, testExample(event, ep.UserID)
	}
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
	case target == "test-event-data-field":
		return s.render(w, r, http.StatusOK, views.TestEventDataField(v.Test))
	}
	return s.renderEndpointPage(w, r, http.StatusOK, ep.Url, ep, v)
}
