package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// IdempotencyWindow is how long a publish Idempotency-Key is remembered.
const IdempotencyWindow = 24 * time.Hour

// Publish is one event to store and route.
type Publish struct {
	Event       string
	UserID      string
	Data        json.RawMessage // canonical, from webhook.ValidateData
	OccurredAt  time.Time
	RecordingID string
	// EndpointID, when set, sends the event to that endpoint only, whatever
	// it subscribes to (the "send test event" button).
	EndpointID string
	// IdempotencyKey and RequestHash, when the key is set, make a repeat of
	// the same request within IdempotencyWindow return the first result.
	IdempotencyKey string
	RequestHash    []byte
}

// Published is the result of Publish.
type Published struct {
	EventID    string              `json:"eventId"`
	Deliveries []PublishedDelivery `json:"deliveries"`
	// Replayed is true when an Idempotency-Key matched an earlier publish.
	Replayed bool `json:"-"`
}

// PublishedDelivery names one delivery made by a publish.
type PublishedDelivery struct {
	ID         string `json:"id"`
	EndpointID string `json:"endpointId"`
}

// ErrIdempotencyMismatch: the key was used with another request body.
var ErrIdempotencyMismatch = fmt.Errorf("%w: idempotency key reused with a different request", ErrConflict)

// Publish stores the event, one delivery per target endpoint and each
// delivery's body, all at once, so no event exists without its deliveries.
// Bodies are rendered here, once; every attempt sends exactly these bytes.
// Without an Idempotency-Key it is one statement and one round trip.
// ErrNotFound when the user does not exist.
func (s *Store) Publish(ctx context.Context, p Publish) (Published, error) {
	if p.IdempotencyKey == "" {
		return s.publish(ctx, s.q, p, s.Now())
	}
	now := s.Now()
	since := now.Add(-IdempotencyWindow)
	prev, err := s.q.IdempotencyKeyGet(ctx, db.IdempotencyKeyGetParams{Key: p.IdempotencyKey, Since: since})
	switch {
	case err == nil:
		return replay(prev, p.RequestHash)
	case !errors.Is(mapErr(err), ErrNotFound):
		return Published{}, fmt.Errorf("store: publish: %w", err)
	}
	var out Published
	err = s.WithTx(ctx, func(q *db.Queries) error {
		if err := q.IdempotencyKeyDeleteExpired(ctx, db.IdempotencyKeyDeleteExpiredParams{Key: p.IdempotencyKey, Since: since}); err != nil {
			return err
		}
		var err error
		if out, err = s.publish(ctx, q, p, now); err != nil {
			return err
		}
		resp, err := json.Marshal(out)
		if err != nil {
			return err
		}
		return mapErr(q.IdempotencyKeyInsert(ctx, db.IdempotencyKeyInsertParams{Key: p.IdempotencyKey, RequestHash: p.RequestHash, Response: resp}))
	})
	if errors.Is(err, ErrConflict) {
		// A concurrent request with the same key won the race: answer as it did.
		prev, gerr := s.q.IdempotencyKeyGet(ctx, db.IdempotencyKeyGetParams{Key: p.IdempotencyKey, Since: since})
		if gerr == nil {
			return replay(prev, p.RequestHash)
		}
	}
	if err != nil {
		return Published{}, fmt.Errorf("store: publish: %w", err)
	}
	return out, nil
}

// publishIDs is how many delivery ids a publish offers at first: users
// with more matching endpoints cost a second round trip.
const publishIDs = 8

// publish runs EventPublish, offering enough delivery ids.
func (s *Store) publish(ctx context.Context, q *db.Queries, p Publish, now time.Time) (Published, error) {
	out := Published{EventID: webhook.NewID("evt_")}
	// The body of every delivery but for its id, split where the id goes.
	// The event name before it is one of a few fixed words, so the first
	// occurrence of the placeholder is the id's place.
	mark := webhook.NewID("del_")
	body := webhook.RenderBody(p.Event, mark, p.OccurredAt, p.Data)
	at := bytes.Index(body, []byte(mark))
	params := db.EventPublishParams{
		ID: out.EventID, UserID: p.UserID, Type: p.Event, OccurredAt: p.OccurredAt, Now: now,
		RecordingID: nonEmpty(p.RecordingID), EndpointID: p.EndpointID,
		BodyHead: body[:at], BodyTail: body[at+len(mark):],
	}
	for n := publishIDs; ; {
		params.DeliveryIds = make([]string, n)
		for i := range params.DeliveryIds {
			params.DeliveryIds[i] = webhook.NewID("del_")
		}
		rows, err := q.EventPublish(ctx, params)
		if err != nil {
			return Published{}, fmt.Errorf("store: publish: %w", mapErr(err))
		}
		if len(rows) == 0 || !rows[0].UserFound {
			return Published{}, fmt.Errorf("store: publish: user %s: %w", p.UserID, ErrNotFound)
		}
		if int(rows[0].Targets) > n {
			n = int(rows[0].Targets) // nothing was written: ask again with enough ids
			continue
		}
		out.Deliveries = make([]PublishedDelivery, 0, len(rows))
		for _, r := range rows {
			if r.DeliveryID != "" {
				out.Deliveries = append(out.Deliveries, PublishedDelivery{ID: r.DeliveryID, EndpointID: r.EndpointID})
			}
		}
		if p.EndpointID != "" && len(out.Deliveries) == 0 {
			// The test button's endpoint was disabled or deleted meanwhile.
			return Published{}, &Conflict{"the endpoint is disabled or deleted"}
		}
		return out, nil
	}
}

func replay(prev db.IdempotencyKey, hash []byte) (Published, error) {
	if !bytes.Equal(prev.RequestHash, hash) {
		return Published{}, ErrIdempotencyMismatch
	}
	var out Published
	if err := json.Unmarshal(prev.Response, &out); err != nil {
		return Published{}, fmt.Errorf("store: publish: stored answer: %w", err)
	}
	out.Replayed = true
	return out, nil
}
