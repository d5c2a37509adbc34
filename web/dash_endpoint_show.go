package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// dashEndpointShow is the endpoint page; ?event= chooses the test event's
// type, and its example. htmx asks it for three pieces: the empty drawer
// (closing it), the masked secret box ("Hide") and the test event's data
// field (another event type chosen: its example).
func (s *Server) dashEndpointShow(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	v := s.endpointView(ep)
	if event := r.URL.Query().Get("event"); webhook.KnownEvent(event) {
		v.Test.Event, v.Test.Data = event, testExample(event, ep.UserID)
	}
	switch fragmentTarget(r) {
	case "drawer":
		w.WriteHeader(http.StatusOK)
		return nil
	case "secret-box":
		return s.render(w, r, http.StatusOK, views.SecretBox(v.Secret))
	case "test-event-data-field":
		return s.render(w, r, http.StatusOK, views.TestEventDataField(v.Test))
	}
	return s.renderEndpointPage(w, r, http.StatusOK, ep.Url, ep, v)
}
