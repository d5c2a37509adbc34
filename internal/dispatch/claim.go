package dispatch

import (
	"context"
	"slices"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

// claim is the claim loop. Its rule: while a due row exists that this
// process has room for, it does not sleep. After a claim that took rows
// it claims again (paced when the claim was small, see pace): the rows it
// took may have filled some endpoints' room while other endpoints' rows
// lay beyond the claim's window, and a row another process locked is
// skipped, not waited for; once such a look found nothing, the next waits
// for a publish, room, or a short interval (lookPast). Only a claim that
// took nothing, or no free worker, lets it sleep, and then every event
// that could give a claim something wakes it: a publish here or in
// another process, or rows another process gave back (wake), an attempt's
// end that frees a worker, an endpoint slot or the slow share (freed, see
// admission.finish), and the next row's due time (untilNextDue).
func (d *Dispatcher) claim(ctx context.Context) {
	defer d.loops.Done()
	failures := 0
	var last time.Time                 // when the last small claim started (see pace)
	look := lookPast{gap: d.o.LookGap} // whether a claim may look past full endpoints' rows
	for !d.stopping() {
		if !d.pace(last, d.o.ClaimGap) {
			return
		}
		now := d.o.Now().UTC()
		p := d.adm.plan(d.o.ClaimBatch, now)
		if p.Max <= 0 {
			d.adm.setDry(false)
			if !d.sleep(d.o.Poll, d.freed) {
				return
			}
			continue
		}
		started := time.Now()
		token := newToken()
		rows, err := d.o.Store.QueueClaim(ctx, store.Claim{
			Token: token, Max: p.Max, Skip: p.Skip, Now: now,
			RoomEndpoints: p.RoomEndpoints, RoomCounts: p.RoomCounts, DefaultRoom: p.DefaultRoom,
			LeaseUntil: now.Add(d.o.AttemptTimeout + d.o.LeaseMargin),
		})
		if err != nil {
			if d.o.OnClaim != nil {
				d.o.OnClaim(0)
			}
			failures++
			d.log.Error("claim failed", "err", err, "failures", failures)
			if !d.sleep(backoff(failures)) {
				return
			}
			continue
		}
		failures = 0
		d.adm.setDry(len(rows) == 0)
		d.adm.claimed(p, rows)
		d.claimedUpkeep(len(rows), len(p.Skip) > 0)
		if d.o.OnClaim != nil {
			d.o.OnClaim(len(rows))
		}
		d.startAll(ctx, rows, token, now)
		if len(rows) == 0 && len(p.Skip) > 0 {
			look.foundNothing(time.Since(started))
		}
		if len(rows) > 0 {
			// Pace after a small claim only: a backlog claimed as room
			// frees up comes in claims of a refill or more, and pacing
			// those made a one-endpoint drain ~12% slower.
			last = time.Time{}
			if len(rows) < p.Max && len(rows) < d.adm.refill {
				last = started
			}
			if len(rows) < p.Max && !look.may(time.Now()) && d.adm.blockedAll(rows) {
				// The endpoints this claim took rows of are full now, and
				// the last look past such rows found nothing else: wait
				// for room, a publish, or the next look.
				switch d.wait(look.until(time.Now()), d.wake, d.freed) {
				case wokeStop:
					return
				case wokeTimer, wokeFirst: // d.wake
					look.reset()
				}
			}
			continue
		}
		switch d.wait(d.untilNextDue(ctx, now), d.wake, d.freed) {
		case wokeStop:
			return
		case wokeTimer, wokeFirst: // d.wake
			look.reset()
		}
	}
}

// lookPast paces the claims that must look past the rows of endpoints
// with no room here. A claim skips those endpoints (claimPlan.Skip), and
// the due rows of an endpoint at its cap come first in due order when it
// has a backlog, so such a claim walks the whole backlog to find another
// endpoint's row: ~13 ms at 100,000 due rows of one endpoint. After a
// claim that took rows but not all it could, the claimer used to look
// again at once, in case other endpoints' rows lay beyond its window; in
// a one-endpoint drain that was one walk of the backlog per refill,
// every one finding nothing (a quarter of PostgreSQL's time in a drain of
// 100,000, the work growing with the square of the backlog). Now, once
// such a look found nothing, the next waits until a publish (here or in
// another process), the due timer, or an interval 25 times as long as
// the last look took (at least Options.LookGap): a row of another
// endpoint behind a full endpoint's backlog is claimed within that
// interval, and looking costs at most 4 % of the claimer's time. Room
// freeing up on an endpoint wakes the claimer as before; the claim it
// makes then does not skip that endpoint.
type lookPast struct {
	gap  time.Duration // the least interval
	next time.Time     // zero: may look now
}

// foundNothing: a look that took this long found no row of an endpoint with room.
func (l *lookPast) foundNothing(took time.Duration) { l.next = time.Now().Add(max(l.gap, 25*took)) }

func (l *lookPast) reset()                            { l.next = time.Time{} }
func (l *lookPast) may(now time.Time) bool            { return l.next.IsZero() || !now.Before(l.next) }
func (l *lookPast) until(now time.Time) time.Duration { return l.next.Sub(now) }

// pace waits until gap has passed since last, unless stopping. Under a
// steady flow of publishes every one wakes the claimer, and every finished
// attempt is a result to write: without pacing the claim and the
// completion run for one or two rows each, and their fixed cost per
// statement (planning, executor start, commit) was most of PostgreSQL's
// time at 1,500 events/s. Paced, each takes what arrived meanwhile. An
// idle dispatcher is past the gap already, so a lone publish is claimed at
// once.
func (d *Dispatcher) pace(last time.Time, gap time.Duration) bool {
	wait := gap - time.Since(last)
	if wait <= 0 {
		return true
	}
	return d.sleep(wait)
}

// startAll starts an attempt for each claimed row admission lets start,
// and gives back the rows it refuses (how many it returns); it holds the
// others (admission.admit).
func (d *Dispatcher) startAll(ctx context.Context, rows []store.Claimed, token int64, now time.Time) int {
	start, back := d.adm.admit(rows, token, now)
	for _, c := range start {
		d.attempts.Add(1)
		select {
		case d.idle <- job{c, token}:
		default:
			go d.worker(job{c, token})
		}
	}
	if len(back) > 0 {
		tokens := make([]int64, len(back))
		for i := range tokens {
			tokens[i] = token
		}
		if err := d.o.Store.QueueRelease(ctx, back, tokens); err != nil {
			d.log.Error("release failed; the rows come back when their lease ends", "err", err, "count", len(back))
		}
		d.wakeForReleased(endpointsOf(rows, back))
	}
	return len(back)
}

// endpointsOf is the endpoints of the rows with these ids.
func endpointsOf(rows []store.Claimed, ids []string) []string {
	var eps []string
	for _, c := range rows {
		if slices.Contains(ids, c.ID) && !slices.Contains(eps, c.EndpointID) {
			eps = append(eps, c.EndpointID)
		}
	}
	return eps
}

// wakeForReleased wakes the claimer after rows of these endpoints were
// given back, if it could take them now. A claimer that sleeps while
// rows are handed to it by publishes (handoff.go) would otherwise leave
// such rows until its poll.
func (d *Dispatcher) wakeForReleased(endpoints []string) {
	if d.adm.roomFor(endpoints) {
		signal(d.wake)
	}
}

// untilNextDue is how long the claimer may sleep after a claim that took
// nothing: until the earliest due row, at most Poll. A due row it did not
// take belongs to an endpoint with no room here (at its cap, or slow while
// slow endpoints hold their share) or was locked by another process; the
// first is woken by freed, the second is claimed there, so Poll/4 is only
// the fallback.
func (d *Dispatcher) untilNextDue(ctx context.Context, now time.Time) time.Duration {
	next, err := d.o.Store.QueueNextDue(ctx)
	d.dueLeft.Store(err != nil || (next != nil && !next.After(now))) // for the upkeep: drained
	if err != nil || next == nil {
		return d.o.Poll
	}
	wait := next.Sub(now)
	if wait <= 0 {
		return d.o.Poll / 4
	}
	return min(wait, d.o.Poll)
}

func backoff(failures int) time.Duration {
	d := 100 * time.Millisecond << min(failures, 5)
	return min(d, 3*time.Second)
}
