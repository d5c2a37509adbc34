package dispatch

import (
	"slices"
	"sync"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// admission is one process's bookkeeping of what may run: attempts in
// flight in all and per endpoint, claimed rows held for an endpoint's next
// free slot, and slow endpoints. It does no I/O and knows nothing of the
// loops: the claim loop asks it what the next claim may take (plan) and
// what to do with the rows claimed (admit), and tells it what the claim
// found (claimed, setDry); a publish asks what it may hand over
// (leasePlan); a worker tells it when an attempt ended (finish) and
// learns what to run next and whether the claimer must look again.
//
// The rules:
//   - At most workers attempts in flight, at most perEndpoint per endpoint.
//   - An endpoint with attempts in flight is claimed for again only when it
//     has room for a refill (half its cap and held queue, at most half a
//     claim batch): a busy endpoint is refilled in batches, not one row per
//     finished attempt.
//   - A fast endpoint may have rows held: claimed while its slots were
//     full, started by its own attempts as they finish, so its slots never
//     wait for a claim. It holds no more than its attempts in flight
//     start within heldMaxAge at the pace they finish; older held rows go
//     back.
//   - Slow endpoints (an attempt here ran a quarter of the attempt timeout
//     or more) together hold at most slowCap of the workers, so their caps
//     cannot add up to every worker (see the package doc).
//   - A publish may hand over as many fresh deliveries as there are free
//     workers and rows the busy endpoints may hold, to each endpoint as
//     much as it has room for, but none to an endpoint with a backlog (its
//     due rows first: claimed).
//   - The claimer is woken whenever an attempt's end unblocks something a
//     claim could take: a worker when all were busy (unless its last claim
//     found nothing: then only new rows wake it), an endpoint that was
//     skipped, the slow endpoints' share; and when rows given back are due
//     and it has room for them. A wake-up is never lost: only a claim
//     blocks, and every unblocking is signalled.
type admission struct {
	workers     int
	perEndpoint int
	refill      int
	slowCap     int           // most attempts slow endpoints hold at once
	slowTime    time.Duration // an attempt this long makes its endpoint slow

	mu           sync.Mutex
	inflight     int
	slowInflight int // attempts in flight of slow endpoints
	// dry: the claimer's last claim found nothing it had room for (see
	// setDry); a worker coming free then gives a claim nothing to take.
	dry   bool
	eps   map[string]*epState
	swept time.Time // when plan last forgot idle endpoints
}

// epState is an endpoint this process has something of: attempts in
// flight, held rows, or a recent slow attempt.
type epState struct {
	inflight  int
	held      []heldRow
	stoppedAt time.Time     // set: disabled or deleted here; rows held from before go back
	slowAt    time.Time     // set: its last attempt here was slow, at that time
	avg       time.Duration // moving average of its attempts' durations here
	lastAt    time.Time     // when its last attempt here ended
	// backlog: the last claim that could take its rows took all the room
	// it had, so more may be due; publishes hand it none (see claimed).
	backlog bool
}

// heldMaxAge is how long a claimed row may wait for its endpoint's next
// free slot before it is given back. It is short on purpose: a held row is
// no attempt yet, so an endpoint disabled or deleted meanwhile must not get
// it (the claim is where that is checked), and a row held this briefly is no
// later than one claimed and started at once with a slow claim.
const heldMaxAge = 20 * time.Millisecond

// slowMemory is how long an endpoint stays slow without a new slow
// attempt, and how long an idle endpoint's pace is remembered.
const slowMemory = time.Minute

// heldRow is a claimed row kept for its endpoint's next free slot.
type heldRow struct {
	c     store.Claimed
	token int64
	at    time.Time
}

func newAdmission(workers, perEndpoint, claimBatch int, attemptTimeout time.Duration) *admission {
	return &admission{
		workers: workers, perEndpoint: perEndpoint,
		refill:  max(1, min(2*perEndpoint, claimBatch)/2),
		slowCap: max(1, workers-max(1, workers/4)), slowTime: attemptTimeout / 4,
		eps: map[string]*epState{},
	}
}

// claimPlan is what the next claim may take: at most Max rows (0: no
// worker is free), none of the endpoints in Skip, at most RoomCounts[i]
// of RoomEndpoints[i] and DefaultRoom of any other endpoint.
type claimPlan struct {
	Max           int
	Skip          []string
	RoomEndpoints []string
	RoomCounts    []int32
	DefaultRoom   int
}

// plan says what the next claim may take. Once a second it forgets the
// endpoints idle here for slowMemory (slow or not).
func (a *admission) plan(claimBatch int, now time.Time) claimPlan {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := claimPlan{Max: min(a.workers-a.inflight, claimBatch), DefaultRoom: a.perEndpoint}
	if p.Max <= 0 {
		return claimPlan{}
	}
	if now.Sub(a.swept) > time.Second || now.Before(a.swept) {
		a.swept = now
		for id, ep := range a.eps {
			if ep.inflight == 0 && len(ep.held) == 0 && !ep.backlog && now.Sub(ep.lastAt) > slowMemory {
				a.setSlowLocked(ep, time.Time{})
				delete(a.eps, id)
			}
		}
	}
	slowRoom := a.slowRoomLocked()
	for id, ep := range a.eps {
		if ep.inflight == 0 && ep.slowAt.IsZero() {
			continue // as any endpoint: DefaultRoom
		}
		room := a.roomLocked(ep, slowRoom)
		if a.skipLocked(ep, room) {
			p.Skip = append(p.Skip, id)
			continue
		}
		p.RoomEndpoints, p.RoomCounts = append(p.RoomEndpoints, id), append(p.RoomCounts, int32(room))
	}
	return p
}

// leasePlan is what a publish may lease to this process (store.Handoff):
// every free worker and every row the busy endpoints may hold, and per
// endpoint the room a claim could give it now, without the claim's refill
// rule (a busy endpoint is refilled in batches so that claims are not
// made for one row each; a publish costs nothing more for the rows it
// leases). With every worker busy, only held rows: an endpoint with
// attempts in flight holds what they start within heldMaxAge (admit), so
// a fan-out that keeps every worker busy is still handed over, not left
// to a claim (each claimed row is a second write of its queue row).
func (a *admission) leasePlan(now time.Time) claimPlan {
	a.mu.Lock()
	defer a.mu.Unlock()
	free := a.workers - a.inflight
	p := claimPlan{Max: max(0, free)}
	if free > 0 {
		p.DefaultRoom = a.perEndpoint
	}
	slowRoom := a.slowRoomLocked()
	for id, ep := range a.eps {
		room := 0
		switch {
		case ep.backlog:
			// Its due rows first: fresh deliveries queue behind them.
		case ep.inflight == 0 && ep.slowAt.IsZero():
			continue // as any endpoint: DefaultRoom
		default:
			hold := a.holdRoomLocked(ep)
			p.Max += hold
			room = hold
			if free > 0 {
				room = max(0, a.roomLocked(ep, slowRoom))
			}
		}
		p.RoomEndpoints = append(p.RoomEndpoints, id)
		p.RoomCounts = append(p.RoomCounts, int32(room))
	}
	if p.Max <= 0 {
		return claimPlan{}
	}
	return p
}

// claimed records what a claim made with plan p took. An endpoint that
// got all the room p gave it (or any rows of a claim that took its Max)
// may have more rows due: it is backlogged, and publishes hand it nothing
// (leasePlan), so its fresh deliveries queue behind its due ones
// (retries, a backlog after an outage) and are claimed in due order,
// rather than taking its slots as they come free while those wait. One
// that got less than its room had no more rows the claim could see, and
// neither has an endpoint the claim took none of while it could (the
// claim took fewer rows than it might: it saw every due row within its
// window). An endpoint the claim skipped keeps its mark.
func (a *admission) claimed(p claimPlan, rows []store.Claimed) {
	a.mu.Lock()
	defer a.mu.Unlock()
	taken := map[string]int{}
	for _, c := range rows {
		taken[c.EndpointID]++
	}
	for id, n := range taken {
		room := p.DefaultRoom
		if i := slices.Index(p.RoomEndpoints, id); i >= 0 {
			room = int(p.RoomCounts[i])
		}
		// A claim cut short by its Max leaves each endpoint it took rows
		// of as likely to have more due.
		a.epLocked(id).backlog = n >= room || len(rows) >= p.Max
	}
	if len(rows) < p.Max {
		for id, ep := range a.eps {
			if taken[id] == 0 && !slices.Contains(p.Skip, id) {
				ep.backlog = false
			}
		}
	}
}

// roomLocked is how many more rows the endpoint may be given: its free
// slots and, unless it is slow, room in its held queue.
func (a *admission) roomLocked(ep *epState, slowRoom int) int {
	room := a.perEndpoint - ep.inflight
	if !ep.slowAt.IsZero() {
		return min(room, slowRoom)
	}
	return room + a.heldCapLocked(ep) - len(ep.held)
}

// skipLocked: the claim takes nothing of this endpoint now.
func (a *admission) skipLocked(ep *epState, room int) bool {
	return room <= 0 || (ep.inflight > 0 && room < a.refill)
}

// blockedLocked: a claim now would skip the endpoint.
func (a *admission) blockedLocked(ep *epState) bool {
	if ep.inflight == 0 && ep.slowAt.IsZero() {
		return false
	}
	return a.skipLocked(ep, a.roomLocked(ep, a.slowRoomLocked()))
}

// blockedAll reports whether a claim now would skip the endpoints of all
// these rows: none of them may be given more until one of its attempts
// ends, which wakes the claimer (finish).
func (a *admission) blockedAll(rows []store.Claimed) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range rows {
		if !a.blockedLocked(a.epLocked(c.EndpointID)) {
			return false
		}
	}
	return true
}

// setDry records what the claimer's last claim found: dry, nothing it
// had room for. New due rows come with a wake-up of their own (a publish
// that left rows to claim, a NOTIFY, rows given back, the due timer), so
// while dry, a worker coming free does not wake the claimer: with
// deliveries handed to it by publishes (handoff.go), every attempt's end
// at a full pool of workers made a claim that found nothing. An endpoint
// the claim skipped getting room, or the slow share, still wakes it. The
// claimer clears it when it cannot claim (no worker free), since rows may
// fall due meanwhile that only a free worker's wake-up would make it look
// for.
func (a *admission) setDry(dry bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dry = dry
}

// roomFor reports whether a claim now could take a row of one of these
// endpoints: a worker is free and one of them would not be skipped. Rows
// given back are due again; when this is false, the attempt end that
// makes room wakes the claimer (finish).
func (a *admission) roomFor(endpoints []string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inflight >= a.workers {
		return false
	}
	for _, id := range endpoints {
		if !a.blockedLocked(a.epLocked(id)) {
			return true
		}
	}
	return false
}

// heldCapLocked is how many rows the endpoint may hold: as many as its
// attempts in flight start within heldMaxAge at their average pace (each
// that ends starts the next held row), at most its cap. An endpoint with
// no attempt finished here yet holds none. (Counted from its cap rather
// than its attempts in flight, an endpoint kept under its cap by busy
// workers held rows that waited past heldMaxAge and went back.)
func (a *admission) heldCapLocked(ep *epState) int {
	if ep.avg <= 0 {
		return 0
	}
	return min(a.perEndpoint, int(int64(ep.inflight)*int64(heldMaxAge)/int64(ep.avg)))
}

// holdRoomLocked is how many more rows the endpoint may hold now (admit):
// none for a slow endpoint or one with nothing in flight.
func (a *admission) holdRoomLocked(ep *epState) int {
	if !ep.slowAt.IsZero() || ep.inflight == 0 {
		return 0
	}
	return max(0, a.heldCapLocked(ep)-len(ep.held))
}

func (a *admission) slowRoomLocked() int { return a.slowCap - a.slowInflight }

// addLocked counts n more attempts of ep in flight.
func (a *admission) addLocked(ep *epState, n int) {
	a.inflight += n
	ep.inflight += n
	if !ep.slowAt.IsZero() {
		a.slowInflight += n
	}
}

// setSlowLocked marks ep slow as of at (zero: not slow).
func (a *admission) setSlowLocked(ep *epState, at time.Time) {
	if ep.slowAt.IsZero() != at.IsZero() {
		if at.IsZero() {
			a.slowInflight -= ep.inflight
		} else {
			a.slowInflight += ep.inflight
		}
	}
	ep.slowAt = at
}

// fullLocked: the endpoint may start no attempt now.
func (a *admission) fullLocked(ep *epState) bool {
	if a.inflight >= a.workers || ep.inflight >= a.perEndpoint {
		return true
	}
	return !ep.slowAt.IsZero() && a.slowRoomLocked() <= 0
}

func (a *admission) epLocked(id string) *epState {
	ep := a.eps[id]
	if ep == nil {
		ep = &epState{}
		a.eps[id] = ep
	}
	return ep
}

// admit decides for each claimed row: start it now (counted in flight),
// hold it for its endpoint's next free slot, or give it back (its
// endpoint may take no more and holds enough, or it has nothing to do:
// see hasWork).
func (a *admission) admit(rows []store.Claimed, token int64, now time.Time) (start []store.Claimed, back []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range rows {
		if !hasWork(c, now) {
			back = append(back, c.ID)
			continue
		}
		ep := a.epLocked(c.EndpointID)
		switch {
		case !a.fullLocked(ep):
			a.addLocked(ep, 1)
			start = append(start, c)
		case ep.slowAt.IsZero() && ep.inflight > 0 && len(ep.held) < a.heldCapLocked(ep):
			ep.held = append(ep.held, heldRow{c: c, token: token, at: now})
		default:
			back = append(back, c.ID)
		}
	}
	return start, back
}

// hasWork: a manual attempt is requested, or an automatic one is due. A row
// can be claimed with neither when its lease expired after its endpoint was
// disabled.
func hasWork(c store.Claimed, now time.Time) bool {
	if c.ClaimManual {
		return true
	}
	return (c.Status == webhook.StatusPending || c.Status == webhook.StatusRetrying) && c.NextAttemptAt != nil && !c.NextAttemptAt.After(now)
}

// finish records that an attempt of endpoint id ended after dur
// (cancelled: cut short by a hard stop; stopping: the dispatcher is
// stopping). It returns the endpoint's next held row, now counted in
// flight in the slot just freed (ok), the held rows to give back (too old,
// held from before the endpoint was stopped, or the dispatcher is
// stopping), and whether the claimer should look again (wake).
func (a *admission) finish(id string, dur time.Duration, cancelled, stopping bool, now time.Time) (next heldRow, ok bool, back []heldRow, wake bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ep := a.epLocked(id)
	workersFull := a.inflight >= a.workers
	slowFull := a.slowRoomLocked() <= 0
	blocked := a.blockedLocked(ep)

	a.addLocked(ep, -1)
	ep.lastAt = now
	if !cancelled {
		if ep.avg == 0 {
			ep.avg = dur
		} else {
			ep.avg += (dur - ep.avg) / 8
		}
		if dur >= a.slowTime {
			a.setSlowLocked(ep, now)
		} else {
			a.setSlowLocked(ep, time.Time{})
		}
	}
	next, ok, back = a.popLocked(ep, stopping, now)

	wake = (workersFull && a.inflight < a.workers && !a.dry) ||
		(slowFull && a.slowRoomLocked() > 0) ||
		(blocked && !a.blockedLocked(ep))
	return next, ok, back, wake
}

// popLocked takes the endpoint's next held row and counts it in flight
// (ok), and returns the held rows to give back.
func (a *admission) popLocked(ep *epState, stopping bool, now time.Time) (next heldRow, ok bool, back []heldRow) {
	if len(ep.held) == 0 {
		return heldRow{}, false, nil
	}
	if stopping || a.fullLocked(ep) {
		back, ep.held, ep.stoppedAt = ep.held, nil, time.Time{}
		return heldRow{}, false, back
	}
	q := ep.held
	for len(q) > 0 {
		h := q[0]
		q = q[1:]
		if now.Sub(h.at) > heldMaxAge || (!ep.stoppedAt.IsZero() && !h.at.After(ep.stoppedAt)) {
			back = append(back, h)
			continue
		}
		next, ok = h, true
		a.addLocked(ep, 1)
		break
	}
	ep.held = q
	if len(q) == 0 {
		ep.held, ep.stoppedAt = nil, time.Time{}
	}
	return next, ok, back
}

// stopped: the endpoint was disabled or deleted in this process; rows held
// for it until now are given back, not sent.
func (a *admission) stopped(id string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ep := a.eps[id]; ep != nil && len(ep.held) > 0 {
		ep.stoppedAt = now
	}
}

// inFlight is the number of attempts in flight.
func (a *admission) inFlight() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inflight
}
