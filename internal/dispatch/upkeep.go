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
// completed here, once the burst is over (a claim found nothing and no
// attempt is in flight), or during a burst after ten times as many: a
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
		if n := d.completedRows.Load(); n >= 10*int64(d.o.VacuumEvery) || (n >= int64(d.o.VacuumEvery) && d.claimedNone.Load() && d.adm.inFlight() == 0) {
			d.completedRows.Store(0)
			d.upkeepRun("vacuum", d.o.Store.QueueVacuum)
		}
	}
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
)

// claimedUpkeep tells the upkeep loop what a claim took.
func (d *Dispatcher) claimedUpkeep(rows int) {
	d.claimedNone.Store(rows == 0)
	if rows > 0 {
		d.claimedRows.Store(true)
	}
	if rows > 0 || d.completedRows.Load() >= int64(d.o.VacuumEvery) {
		signal(d.upkeepWake)
	}
}

// completedUpkeep tells the upkeep loop that n deliveries' results were written.
func (d *Dispatcher) completedUpkeep(n int) {
	if d.completedRows.Add(int64(n)) >= 10*int64(d.o.VacuumEvery) {
		signal(d.upkeepWake)
	}
}
