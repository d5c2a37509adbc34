package web

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// publish stores an event with its deliveries and wakes the dispatcher. It
// is the one way events enter the system: the API, the dashboard's test
// button and the tests all come through here.
func (s *Server) publish(ctx context.Context, p store.Publish) (store.Published, error) {
	out, err := s.store.Publish(ctx, p)
	if err != nil {
		return out, err
	}
	if !out.Replayed && s.mx != nil {
		s.mx.Published(1)
	}
	if len(out.Deliveries) > 0 && !out.Replayed {
		s.wake()
	}
	return out, nil
}

func (s *Server) apiEventPublish(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePublish(w, r)
	if err != nil {
		return err
	}
	out, err := s.publish(r.Context(), p)
	switch {
	case errors.Is(err, store.ErrIdempotencyMismatch):
		return &httpError{Status: http.StatusConflict, Code: "idempotency_key_reused", Message: "this Idempotency-Key was used with a different request body in the last 24 hours"}
	case errors.Is(err, store.ErrNotFound):
		return &httpError{Status: http.StatusNotFound, Code: "not_found", Message: "no user " + quote(p.UserID)}
	case err != nil:
		return err
	}
	if out.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusAccepted, out)
	return nil
}

// publishRequest is the body of POST /api/v1/events.
type publishRequest struct {
	Event      string          `json:"event"`
	Data       json.RawMessage `json:"data"`
	UserID     *string         `json:"userId"`
	OccurredAt *string         `json:"occurredAt"`
}

// parsePublish reads, decodes and validates a publish request, and returns
// the event to store or the 4xx answer.
func parsePublish(w http.ResponseWriter, r *http.Request) (store.Publish, error) {
	var in publishRequest
	raw, err := decodeJSON(w, r, &in)
	if err != nil {
		return store.Publish{}, err
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		return store.Publish{}, errValidation(map[string]string{"Idempotency-Key": "must be at most 255 characters"})
	}

	fields := map[string]string{}
	if in.Event == "" {
		fields["event"] = "is required"
	} else if !webhook.KnownEvent(in.Event) {
		fields["event"] = "unknown event type " + quote(in.Event)
	}
	var valid webhook.Validated
	if len(in.Data) == 0 || string(in.Data) == "null" {
		fields["data"] = "is required"
	} else if fields["event"] == "" {
		var bad webhook.FieldErrors
		valid, bad = webhook.Validate(in.Event, in.Data)
		for k, v := range bad {
			fields[k] = v
		}
	}
	occurredAt := time.Now().UTC()
	if in.OccurredAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *in.OccurredAt)
		if err != nil {
			fields["occurredAt"] = "must be an RFC 3339 time such as 2026-04-30T22:00:14.512Z"
		}
		occurredAt = t.UTC()
	}
	recordingID := valid.RecordingID
	if !storableText(recordingID) {
		recordingID = "" // only the admin's search column; the payload keeps it
	}
	owner := valid.UserID
	switch {
	case in.UserID != nil && *in.UserID == "":
		fields["userId"] = "must not be empty"
	case in.Event == webhook.EventCommentAdded && in.UserID == nil:
		fields["userId"] = "is required for comment.added"
	case in.UserID != nil && valid.UserID != "" && *in.UserID != valid.UserID:
		fields["userId"] = "must equal data.userId"
	case in.UserID != nil:
		owner = *in.UserID
	}
	if len(fields) > 0 {
		return store.Publish{}, errValidation(fields)
	}
	if !storableText(owner) {
		return store.Publish{}, &httpError{Status: http.StatusNotFound, Code: "not_found", Message: "no user " + quote(owner)}
	}

	hash := sha256.Sum256(raw)
	return store.Publish{
		Event: in.Event, UserID: owner, Data: valid.Data, OccurredAt: occurredAt, RecordingID: recordingID,
		IdempotencyKey: key, RequestHash: hash[:],
	}, nil
}
