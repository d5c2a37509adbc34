package dispatch

import (
	"context"
	"slices"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

// complete writes results in batches: whatever has arrived while the
// previous write ran, or within CompleteGap of its start (see pace), goes
// in the next statement. Waiting costs nothing a receiver or a user sees:
// the worker slot is free already, the next attempt of a delivery is
// seconds away at the soonest, and the lease outlasts the gap by far;
// only the drawer shows the result up to CompleteGap later. Each statement
// costs ~2 ms of PostgreSQL time before its first row (planning, see
// store.planned), so at 2,000 deliveries/s a 10 ms gap spent a tenth
// of a core on that alone. From 25 to 100 ms (scripts/profile.sh,
// alternating): two processes draining 60,000, 3,671 / 5,815 → 6,557 /
// 6,531 deliveries/s, PostgreSQL 16.1 / 9.8 → 7.9 / 8.1 s; paced
// 1,000/s, PostgreSQL 11.6 / 11.3 → 10.2 / 10.3 s. The wait ends early
// once a full batch is waiting, or the results channel is half full
// (workers would soon wait to hand theirs in), or the dispatcher stops.
func (d *Dispatcher) complete(ctx context.Context) {
	defer d.completer.Done()
	var last time.Time
	batch := make([]outcome, 0, completeBatchMax) // reused: write keeps none of it
	enough := min(completeBatchMax, max(1, cap(d.results)/2))
	for first := range d.results {
		for wait := d.o.CompleteGap - time.Since(last); wait > 0 && len(d.results) < enough && !d.stopping(); wait = d.o.CompleteGap - time.Since(last) {
			time.Sleep(min(wait, 5*time.Millisecond))
		}
		last = time.Now()
		batch = append(batch[:0], first)
	drain:
		for len(batch) < completeBatchMax {
			select {
			case o, ok := <-d.results:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		d.write(ctx, batch)
	}
}

// completeBatchMax is the most results one statement records. The
// statement's cost is per result, but each also costs ~1.5 ms to plan and
// bind: from 500 to 1,000 (with a results channel of eight per worker, so
// that a full batch can wait in it), a drain of 100,000 ran 16,544 /
// 16,727 / 16,441 against 16,309 / 16,343 / 16,368 deliveries/s, with
// PostgreSQL 4.81-4.85 against 4.92-4.98 s (scripts/profile.sh drain,
// alternating).
const completeBatchMax = 1000

// write records a batch, retrying while the database is unavailable. If it
// cannot (hard stop), the leases expire and the rows are attempted again.
func (d *Dispatcher) write(ctx context.Context, batch []outcome) {
	results := make([]store.Result, 0, len(batch))
	var relIDs, relEndpoints []string
	var relTokens []int64
	for i := range batch {
		if o := &batch[i]; o.release {
			relIDs = append(relIDs, o.result.DeliveryID)
			relTokens = append(relTokens, o.result.Token)
			if !slices.Contains(relEndpoints, o.result.EndpointID) {
				relEndpoints = append(relEndpoints, o.result.EndpointID)
			}
		} else {
			results = append(results, o.result)
		}
	}
	for failures := 1; ; failures++ {
		err := d.flush(ctx, results, relIDs, relTokens)
		if err == nil {
			break
		}
		d.log.Error("recording attempts failed; retrying", "err", err, "count", len(batch))
		select {
		case <-d.hardCtx.Done():
			return
		case <-time.After(backoff(failures)):
		}
	}
	if len(relIDs) > 0 {
		// The rows given back are due again now: tell the other processes,
		// which may have room for them. This claimer only if it has room
		// for them now: it mostly gave them back because their endpoint
		// had no room here (or it is stopping), and room coming free wakes
		// it (admission.finish). Woken with no room, it would claim with
		// that endpoint skipped, walking its backlog for nothing
		// (lookPast): 94 of 152 such walks in a drain of 100,000.
		signal(d.notify)
		d.wakeForReleased(relEndpoints)
	}
	if d.o.OnResult != nil {
		for _, r := range results {
			d.o.OnResult(r)
		}
	}
}

func (d *Dispatcher) flush(ctx context.Context, results []store.Result, relIDs []string, relTokens []int64) error {
	if len(results) > 0 {
		recorded, err := d.o.Store.QueueComplete(ctx, results)
		if err != nil {
			return err
		}
		d.completedUpkeep(len(recorded))
		if len(recorded) < len(results) {
			d.log.Warn("results dropped: their leases had expired and the deliveries were reclaimed", "count", len(results)-len(recorded))
		}
	}
	if len(relIDs) > 0 {
		return d.o.Store.QueueRelease(ctx, relIDs, relTokens)
	}
	return nil
}
