package store

import (
	"cmp"
	"context"
)

// The queue's upkeep. delivery_queue holds a delivery only while it waits
// for an attempt or one is in flight, so it swings from empty to a
// backlog of 100,000 rows and back within seconds, and every row it ever
// held leaves a dead version in the table and in both its indexes until a
// VACUUM. Two things follow that autovacuum, working at its own pace (and
// off on some clusters), does not take care of:
//
//   - The planner's statistics. A VACUUM or ANALYZE that finds the queue
//     empty records it as empty (reltuples 0), and PostgreSQL then
//     estimates the queue at one row whatever it grows to, until the next
//     count. Every plan made meanwhile (the claim's is made once per
//     connection) finds a full scan of a one-row table as cheap as a
//     lookup by key: the claim joined its locked rows to the queue by
//     reading the whole queue for each, and a fan-out after a vacuum ran
//     at 1,455 deliveries/s with deliveries 39 s late, PostgreSQL busy
//     with the claim alone (scripts/profile.sh fanout PRESEED=100000
//     VACUUM=1 IDLE=27; TestClaimPlanFollowsTheQueueAfterAVacuum).
//     QueueKeepStats counts the queue again when it holds ten times what
//     its statistics say; ANALYZE invalidates the plans made before it.
//   - The dead versions. Every delivery leaves two or three dead row
//     versions in the queue and dead entries in both its indexes; on a
//     cluster without autovacuum (this project's development machine has
//     it off) nothing removes them, and the queue's table had grown to
//     3,702 pages for 100,000 live rows after 260,000 deliveries (a
//     fresh queue holds them in 2,174), and grows with its history.
//     QueueVacuum runs a VACUUM of the queue alone. (A VACUUM of the whole
//     database after a history of 160,000 deliveries cut PostgreSQL's
//     time in the next drain from 3.0 to 2.5 s per 60,000: profile.sh
//     drain PRESEED=100000 VACUUM=1; the queue's share of that was not
//     resolved from the machine's noise.)

// queueStatsProbe is how many queued rows QueueKeepStats counts at most,
// queueStatsMin the fewest that make it look at the statistics: a queue of
// a few hundred rows is planned well whatever they say.
const (
	queueStatsProbe = 10000
	queueStatsMin   = 1000
)

// QueueKeepStats recounts the queue (ANALYZE) when its statistics say it
// holds under a tenth of the rows it does (counted up to 10,000), so the
// plans made from them fit the queue again. It reports whether it did.
// Cheap when it does nothing: the count reads at most 10,000 index
// entries of the queue.
//
// ErrStatsUnchanged when the statistics are as wrong after the ANALYZE:
// PostgreSQL skips, with a warning only, the ANALYZE of a table the
// connecting role does not own.
func (s *Store) QueueKeepStats(ctx context.Context) (bool, error) {
	stale := func() (bool, error) {
		st, err := s.q.QueuePlannerRows(ctx, queueStatsProbe)
		return err == nil && st.Queued >= queueStatsMin && st.PlannedRows < float64(st.Queued)/10, err
	}
	if ok, err := stale(); err != nil || !ok {
		return false, wrap("queue statistics", err)
	}
	if err := s.q.QueueAnalyze(ctx); err != nil {
		return false, wrap("queue statistics", err)
	}
	if ok, err := stale(); err != nil || ok {
		return true, wrap("queue statistics", cmp.Or(err, ErrStatsUnchanged))
	}
	return true, nil
}

// QueueVacuum removes the queue's dead row versions (VACUUM, skipped at
// once if another VACUUM of the queue is running) and records its size
// for the planner.
func (s *Store) QueueVacuum(ctx context.Context) error {
	return wrap("queue vacuum", s.q.QueueVacuum(ctx))
}
