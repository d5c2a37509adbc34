package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// sendTestEvent publishes the spec's sample payload of the event type, with
// the endpoint owner's ids, to that one endpoint.
func (s *Server) sendTestEvent(ctx context.Context, ep store.Endpoint, event string) (string, error) {
	if !ep.Enabled {
		return "", &store.Conflict{Msg: "the endpoint is disabled: enable it to send a test event"}
	}
	// Test events go to any public URL the user names: per user, a few a
	// minute (per process, like the login throttle).
	limit := s.cfg.TestEventsPerMinute
	if ok, wait := s.testEvents.Take(auth.Limit{Key: ep.UserID, Max: limit}); !ok {
		return "", &httpError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: fmt.Sprintf(
			"at most %d test events per user per minute (the limit per user); try again in %d seconds", limit, int(math.Ceil(wait.Seconds())))}
	}
	out, err := s.publish(ctx, store.Publish{
		Event: event, UserID: ep.UserID, Data: webhook.SampleData(event, ep.UserID),
		OccurredAt: time.Now().UTC(), EndpointID: ep.ID,
	})
	if err != nil {
		return "", err
	}
	return out.Deliveries[0].ID, nil
}

func (s *Server) apiEndpointSendTest(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.store.EndpointGet(r.Context(), r.PathValue("endpointId"))
	if err != nil {
		return err
	}
	var in struct {
		Event string `json:"event"`
	}
	if _, err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if !webhook.KnownEvent(in.Event) {
		return errValidation(map[string]string{"event": "must be one of recording.completed, recording.failed, comment.added"})
	}
	id, err := s.sendTestEvent(r.Context(), ep, in.Event)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"deliveryId": id})
	return nil
}
