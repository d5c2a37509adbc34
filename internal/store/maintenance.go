package store

import (
	"context"
	"time"

	"github.com/clipcabinet/webhooks/db"
)

// PrunePayloads clears up to batch bodies of finished deliveries created
// before cutoff; it returns how many it cleared.
func (s *Store) PrunePayloads(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	n, err := s.q.PayloadPrune(ctx, db.PayloadPruneParams{Cutoff: cutoff, BatchSize: int32(batch)})
	if err != nil {
		return 0, wrap("prune payloads", err)
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

// UnhealthyEndpoints lists enabled endpoints with no successful automatic
// attempt since since while at least minFailures deliveries exhausted their
// schedule since then. scheduleSpan is the whole retry schedule's length:
// only deliveries created within it before since can have attempts after it.
func (s *Store) UnhealthyEndpoints(ctx context.Context, since time.Time, minFailures int, scheduleSpan time.Duration) ([]string, error) {
	ids, err := s.q.EndpointUnhealthy(ctx, db.EndpointUnhealthyParams{
		Since: since, MinFailures: int64(minFailures), CreatedSince: since.Add(-scheduleSpan),
	})
	return ids, wrap("unhealthy endpoints", err)
}

// QueueStats is the queue's state, for metrics.
type QueueStats = db.QueueStatsRow

// QueueStats counts due and overdue deliveries and finds the oldest due.
func (s *Store) QueueStats(ctx context.Context) (QueueStats, error) {
	now := s.Now()
	st, err := s.q.QueueStats(ctx, db.QueueStatsParams{Now: now, OverdueBefore: now.Add(-time.Minute)})
	return st, wrap("queue stats", err)
}

// DisabledEndpoints counts the endpoints that are disabled and not deleted.
func (s *Store) DisabledEndpoints(ctx context.Context) (int64, error) {
	n, err := s.q.EndpointCountDisabled(ctx)
	return n, wrap("disabled endpoints", err)
}
