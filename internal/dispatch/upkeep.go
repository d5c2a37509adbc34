package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

// upkeep is the queue upkeep loop (store/upkeep.go says why the queue
// needs one). Woken after claims and after results were written, it
// recounts the queue's statistics when they say it is far smaller than it
// is (store.QueueKeepStats, at most every statsGap while claims take
// rows), and vacuums the queue after Options.VacuumEvery deliveries
// completed here, once the burst is over (drained, still so burstQuiet
// later), or during a burst after ten times as many: a
// VACUUM costs about what it saves while a drain runs, and a burst's end
// is what comes soon after it.
func (d *Dispatcher) upkeep() {
	defer d.loops.Done()
	var statsAt time.Time // the next look may come statsGap after it
	for d.sleep(time.Hour, d.upkeepWake) {
		if now := time.Now(); d.claimedRows.Swap(false) && now.Sub(statsAt) >= statsGap {
			statsAt = now
			d.upkeepRun("statistics", func(ctx context.Context) error {
				analyzed, err := d.o.Store.QueueKeepStats(ctx)
				if errors.Is(err, store.ErrStatsUnchanged) {
					statsAt = now.Add(statsStuckWait) // the role cannot ANALYZE it: look much later
				} else if analyzed {
					d.log.Info("queue statistics recounted: they said the queue was a tenth of its size or less")
				}
				return err
			})
		}
		n := d.completedRows.Load()
		if n >= int64(d.o.VacuumEvery) && n < 10*int64(d.o.VacuumEvery) && d.drained() {
			// The burst looks over. It is if it still does a moment
			// later: mid-drain a claim can find nothing and no attempt
			// be in flight for an instant, not for burstQuiet.
			if !d.sleep(burstQuiet) {
				return
			}
			if !d.drained() {
				continue // still going: its next results wake this loop again
			}
		} else if n < 10*int64(d.o.VacuumEvery) {
			continue
		}
		d.completedRows.Store(0)
		d.upkeepRun("vacuum", d.o.Store.QueueVacuum)
	}
}

// drained: the last claim skipped no endpoint and found nothing, the
// queue held no due row after it (untilNextDue), and no attempt is in
// flight. Steady traffic handed over by publishes is drained between
// its deliveries; a backlog is not (its rows are due), and a gap in one
// (a claim that met only rows another process was claiming, or came
// just before rows this one gave back were due again) does not last
// burstQuiet.
func (d *Dispatcher) drained() bool {
	return d.claimedNone.Load() && !d.dueLeft.Load() && d.adm.inFlight() == 0
}

// upkeepRun runs one upkeep statement, cancelled when the dispatcher stops.
func (d *Dispatcher) upkeepRun(what string, fn func(context.Context) error) {
	ctx, cancel := context.WithTimeout(d.stopCtx, upkeepTimeout)
	defer cancel()
	if err := fn(ctx); err != nil && d.stopCtx.Err() == nil {
		d.log.Warn("queue upkeep failed", "step", what, "err", err)
	}
}

const (
	statsGap       = time.Second
	statsStuckWait = 10 * time.Minute
	upkeepTimeout  = 30 * time.Second
	// burstQuiet is how long the queue must stay drained before the
	// upkeep calls the burst over.
	burstQuiet = 250 * time.Millisecond
)

// claimedUpkeep tells the upkeep loop what a claim took, and whether it
// skipped endpoints. Only a claim that skipped nothing and found nothing
// says the queue holds no due row: one that looked past full endpoints
// finds nothing in the middle of a drain to one endpoint (the rows are
// all that endpoint's), and counting it vacuumed the queue every 20,000
// deliveries of a 100,000 backlog (`profile.sh drain` with LOGSTMT=1:
// four VACUUMs, 0.9 s of PostgreSQL in a 15 s drain).
func (d *Dispatcher) claimedUpkeep(rows int, skipped bool) {
	d.claimedNone.Store(rows == 0 && !skipped)
	if rows > 0 {
		d.claimedRows.Store(true)
	}
	if rows > 0 || d.completedRows.Load() >= int64(d.o.VacuumEvery) {
		signal(d.upkeepWake)
	}
}

// completedUpkeep tells the upkeep loop that n deliveries' results were
// written. After the claim that found the queue drained, the last
// results are the burst's end: nothing else would wake the loop for it.
func (d *Dispatcher) completedUpkeep(n int) {
	if total := d.completedRows.Add(int64(n)); total >= 10*int64(d.o.VacuumEvery) ||
		(total >= int64(d.o.VacuumEvery) && d.claimedNone.Load()) {
		signal(d.upkeepWake)
	}
}
