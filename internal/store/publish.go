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
// ErrNotFound when the user does not exist.
func (s *Store) Publish(ctx context.Context, p Publish) (Published, error) {
	if p.IdempotencyKey != "" {
		prev, err := s.q.IdempotencyKeyGet(ctx, db.IdempotencyKeyGetParams{Key: p.IdempotencyKey, Since: s.Now().Add(-IdempotencyWindow)})
		switch {
		case err == nil:
			return replay(prev, p.RequestHash)
		case !errors.Is(mapErr(err), ErrNotFound):
			return Published{}, fmt.Errorf("store: publish: %w", err)
		}
	}

	var endpointIDs []string
	if p.EndpointID != "" {
		endpointIDs = []string{p.EndpointID}
	} else {
		targets, err := s.q.EndpointPublishTargets(ctx, db.EndpointPublishTargetsParams{EventType: p.Event, UserID: p.UserID})
		if err != nil {
			return Published{}, fmt.Errorf("store: publish: targets: %w", err)
		}
		if len(targets) == 0 {
			return Published{}, fmt.Errorf("store: publish: user %s: %w", p.UserID, ErrNotFound)
		}
		for _, t := range targets {
			if t != nil {
				endpointIDs = append(endpointIDs, *t)
			}
		}
	}

	now := s.Now()
	out := Published{EventID: webhook.NewID("evt_"), Deliveries: make([]PublishedDelivery, len(endpointIDs))}
	params := db.EventPublishParams{
		ID: out.EventID, UserID: p.UserID, Type: p.Event, OccurredAt: p.OccurredAt, Now: now,
		RecordingID: nonEmpty(p.RecordingID), EndpointIds: endpointIDs,
		DeliveryIds: make([]string, len(endpointIDs)), Bodies: make([][]byte, len(endpointIDs)),
	}
	for i, ep := range endpointIDs {
		id := webhook.NewID("del_")
		out.Deliveries[i] = PublishedDelivery{ID: id, EndpointID: ep}
		params.DeliveryIds[i] = id
		params.Bodies[i] = webhook.RenderBody(p.Event, id, p.OccurredAt, p.Data)
	}

	if p.IdempotencyKey == "" {
		if err := s.q.EventPublish(ctx, params); err != nil {
			return Published{}, fmt.Errorf("store: publish: %w", mapErr(err))
		}
		return out, nil
	}
	err := s.WithTx(ctx, func(q *db.Queries) error {
		if err := q.IdempotencyKeyDeleteExpired(ctx, db.IdempotencyKeyDeleteExpiredParams{Key: p.IdempotencyKey, Since: now.Add(-IdempotencyWindow)}); err != nil {
			return err
		}
		resp, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if err := q.IdempotencyKeyInsert(ctx, db.IdempotencyKeyInsertParams{Key: p.IdempotencyKey, RequestHash: p.RequestHash, Response: resp}); err != nil {
			return mapErr(err)
		}
		return mapErr(q.EventPublish(ctx, params))
	})
	if errors.Is(err, ErrConflict) {
		// A concurrent request with the same key won the race: answer as it did.
		prev, gerr := s.q.IdempotencyKeyGet(ctx, db.IdempotencyKeyGetParams{Key: p.IdempotencyKey, Since: now.Add(-IdempotencyWindow)})
		if gerr == nil {
			return replay(prev, p.RequestHash)
		}
	}
	if err != nil {
		return Published{}, fmt.Errorf("store: publish: %w", err)
	}
	return out, nil
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
