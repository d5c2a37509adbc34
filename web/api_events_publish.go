package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/clipcabinet/webhooks/internal/jsonscan"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// publish stores an event with its deliveries and wakes the dispatcher
// for those it was not handed at once (store.Handoff). It is the one way
// events enter the system: the API, the dashboard's test button and the
// tests all come through here.
func (s *Server) publish(ctx context.Context, p store.Publish) (store.Published, error) {
	start := time.Now()
	out, err := s.store.Publish(ctx, p)
	if err != nil {
		return out, err
	}
	if !out.Replayed && s.mx != nil {
		s.mx.Published(time.Since(start))
	}
	if out.Queued > 0 && !out.Replayed {
		s.wake(out.QueuedEndpoints...)
	}
	return out, nil
}

// wakeAll wakes the dispatcher for deliveries due now, whatever their endpoints.
func (s *Server) wakeAll() { s.wake() }

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
	in, raw, err := decodePublish(w, r)
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

// decodePublish is decodeJSON(w, r, &in), made cheaper for the usual body:
// json.Valid and one walk over the top-level keys instead of decodeJSON's
// reflection, second scan and a json.Decoder token per key (the profile of
// the API under load put request decoding at an eighth of the CPU). Any
// body it does not take on that fast path goes to decodeJSON, with the bytes
// and the read error that decodeJSON would have met itself, so every error
// answer stays decodeJSON's own.
func decodePublish(w http.ResponseWriter, r *http.Request) (publishRequest, []byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		if in, ok := decodePublishFast(raw); ok {
			return in, raw, nil
		}
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(raw), errReader{err}))
	var in publishRequest
	raw, err = decodeJSON(w, r, &in)
	return in, raw, err
}

// errReader fails every read with err, or io.EOF if err is nil.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err == nil {
		return 0, io.EOF
	}
	return 0, e.err
}

// decodePublishFast decodes raw if it is a JSON object whose keys are among
// publishRequest's, spelled exactly, without escapes and each once, with
// event a string and userId and occurredAt strings or null. decodeJSON
// accepts such a body and decodes it to the same publishRequest; for any
// other body decodePublishFast reports false.
func decodePublishFast(raw []byte) (publishRequest, bool) {
	var in publishRequest
	if !json.Valid(raw) {
		return in, false
	}
	// From here on raw is valid JSON, so the walk below checks no syntax.
	raw = jsonscan.TrimSpace(raw)
	if raw[0] != '{' {
		return in, false
	}
	var seen struct{ event, data, userID, occurredAt bool }
	for r := jsonscan.Open(raw); r.More(); {
		// The key is compared as written: one with escapes goes to decodeJSON.
		literal, value := r.Member()
		key := literal[1 : len(literal)-1]

		ok := false
		switch string(key) {
		case "event":
			if !seen.event {
				seen.event = true
				in.Event, ok = jsonscan.String[string](value)
			}
		case "data":
			if !seen.data {
				seen.data = true
				in.Data, ok = value, true
			}
		case "userId":
			if !seen.userID {
				seen.userID = true
				in.UserID, ok = jsonStringOrNull(value)
			}
		case "occurredAt":
			if !seen.occurredAt {
				seen.occurredAt = true
				in.OccurredAt, ok = jsonStringOrNull(value)
			}
		}
		if !ok {
			return publishRequest{}, false
		}
	}
	return in, true
}

// jsonStringOrNull decodes the valid JSON value raw if it is a string or
// null, as encoding/json decodes it into a *string.
func jsonStringOrNull(raw []byte) (*string, bool) {
	if string(raw) == "null" {
		return nil, true
	}
	s, ok := jsonscan.String[string](raw)
	return &s, ok
}
