package dispatch

import (
	"context"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

// The publish hand-off (store.Handoff): a publish in this process writes
// the deliveries this dispatcher has room for already leased to it, and
// they start as a claim's rows do (startAll), without a claim.

// PublishLease is what the next publish statement may lease: the room
// admission gives (leasePlan), none once Stop has begun (the store knows
// no dispatcher before Start). When ok, handoffMu stays read-locked until
// PublishLeased, so Stop waits for a publish statement's rows to be
// started (or held, or given back) before it waits for the attempts.
func (d *Dispatcher) PublishLease(now time.Time) (store.Lease, bool) {
	d.handoffMu.RLock()
	if d.handoffClosed {
		d.handoffMu.RUnlock()
		return store.Lease{}, false
	}
	p := d.adm.leasePlan(now)
	if p.Max <= 0 {
		d.handoffMu.RUnlock()
		return store.Lease{}, false
	}
	return store.Lease{
		Token: newToken(), Max: p.Max, DefaultRoom: p.DefaultRoom,
		RoomEndpoints: p.RoomEndpoints, RoomCounts: p.RoomCounts,
		Until: now.Add(d.o.AttemptTimeout + d.o.LeaseMargin),
	}, true
}

// PublishLeased starts the rows a publish statement leased, as startAll
// starts a claim's.
func (d *Dispatcher) PublishLeased(l store.Lease, rows []store.Claimed, now time.Time) {
	defer d.handoffMu.RUnlock()
	if len(rows) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), handoffReleaseTimeout)
	defer cancel()
	if d.startAll(ctx, rows, l.Token, now) > 0 {
		// Given back, due now: another process may have room for them
		// (this one's claimer was woken if it has: wakeForReleased).
		signal(d.notify)
	}
}

// handoffReleaseTimeout bounds the release of handed-off rows admission
// refused (rare: a claim took the room meanwhile); a release that fails
// leaves them leased until their lease ends.
const handoffReleaseTimeout = 10 * time.Second
