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

// sendTestEvent publishes a test event of the type, data already
// validated, to that one endpoint; its delivery is marked test.
func (s *Server) sendTestEvent(ctx context.Context, ep store.Endpoint, event string, valid webhook.Validated) (string, error) {
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
	recordingID := valid.RecordingID
	if !storableText(recordingID) {
		recordingID = "" // only the search column; the payload keeps it
	}
	out, err := s.publish(ctx, store.Publish{
		Event: event, UserID: ep.UserID, Data: valid.Data, RecordingID: recordingID,
		OccurredAt: time.Now().UTC(), EndpointID: ep.ID,
	})
	if err != nil {
		return "", err
	}
	return out.Deliveries[0].ID, nil
}

// apiEndpointSendTest sends the spec's example of the event type with the
// owner's ids, as api.md says; the API takes no edited data.
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
	valid, errs := webhook.Validate(in.Event, webhook.SampleData(in.Event, ep.UserID))
	if errs != nil {
		return fmt.Errorf("test event: the %s example does not validate: %v", in.Event, errs)
	}
	id, err := s.sendTestEvent(r.Context(), ep, in.Event, valid)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"deliveryId": id})
	return nil
}
