package store

import (
	"context"
	"time"

	"github.com/clipcabinet/webhooks/db"
)

// PrunePayloads clears up to batch bodies of finished deliveries created
// before cutoff: events' bodies first, then the payload rows of events
// published before they held them (00015_event_bodies.sql). It returns how
// many it cleared (an event's body counts once, however many deliveries
// it had).
func (s *Store) PrunePayloads(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	n, err := s.q.EventBodyPrune(ctx, db.EventBodyPruneParams{Cutoff: cutoff, BatchSize: int32(batch)})
	if err != nil {
		return 0, wrap("prune event bodies", err)
	}
	if left := batch - int(n); left > 0 {
		m, err := s.q.PayloadPrune(ctx, db.PayloadPruneParams{Cutoff: cutoff, BatchSize: int32(left)})
		if err != nil {
			return n, wrap("prune payloads", err)
		}
		n += m
	}
	return n, nil
}

// PruneResponses clears up to batch response bodies of attempts made before cutoff.
func (s *Store) PruneResponses(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	n, err := s.q.AttemptPruneResponses(ctx, db.AttemptPruneResponsesParams{Cutoff: cutoff, BatchSize: int32(batch)})
	if err != nil {
		return 0, wrap("prune responses", err)
	}
	return n, nil
}

// PruneIdempotencyKeys forgets publish idempotency keys older than the window.
func (s *Store) PruneIdempotencyKeys(ctx context.Context) (int64, error) {
	n, err := s.q.IdempotencyKeyPrune(ctx, s.Now().Add(-IdempotencyWindow))
	return n, wrap("prune idempotency keys", err)
}
