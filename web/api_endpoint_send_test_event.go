package web

import (
	"context"
	"net/http"
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// sendTestEvent publishes the spec's sample payload of the event type, with
// the endpoint owner's ids, to that one endpoint.
func (s *Server) sendTestEvent(ctx context.Context, ep db.Endpoint, event string) (string, error) {
	if !ep.Enabled {
		return "", &store.Conflict{Msg: "the endpoint is disabled: enable it to send a test event"}
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
