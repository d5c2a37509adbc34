package dispatch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

// The admission rules, without a database or a loop: what a claim may take,
// which claimed rows start, wait or go back, and when an attempt's end
// wakes the claimer.

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func row(id, ep string) store.Claimed {
	due := t0.Add(-time.Second)
	return store.Claimed{ID: id, EndpointID: ep, Status: "pending", NextAttemptAt: &due}
}

func rows(ep string, n int) []store.Claimed {
	out := make([]store.Claimed, n)
	for i := range out {
		out[i] = row(fmt.Sprintf("%s-%d", ep, i), ep)
	}
	return out
}

func ids(cs []store.Claimed) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// room is what a plan lets one endpoint have, and whether it is skipped.
func (p claimPlan) room(ep string) (n int, skipped bool) {
	if p.Max <= 0 || slices.Contains(p.Skip, ep) {
		return 0, true
	}
	if i := slices.Index(p.RoomEndpoints, ep); i >= 0 {
		return int(p.RoomCounts[i]), false
	}
	return p.DefaultRoom, false
}

func TestAdmissionFreshEndpointGetsItsCap(t *testing.T) {
	a := newAdmission(10, 4, 100, 15*time.Second)
	p := a.plan(100, t0)
	if p.Max != 10 || len(p.Skip) != 0 || p.DefaultRoom != 4 {
		t.Fatalf("fresh plan = %+v, want Max 10, no skips, DefaultRoom 4", p)
	}
	start, back := a.admit(rows("ep_a", 6), 1, t0)
	if len(start) != 4 || len(back) != 2 {
		t.Fatalf("admit 6 rows of one endpoint with cap 4: started %v, back %v; want 4 started, 2 back (no held room before an attempt finished)", ids(start), back)
	}
	if a.inFlight() != 4 {
		t.Fatalf("in flight %d, want 4", a.inFlight())
	}
	if n, skipped := a.plan(100, t0).room("ep_a"); !skipped {
		t.Fatalf("an endpoint at its cap has room %d, want skipped", n)
	}
}

func TestAdmissionRowsWithNothingToDoGoBack(t *testing.T) {
	a := newAdmission(10, 4, 100, 15*time.Second)
	later := t0.Add(time.Minute)
	r := row("d1", "ep_a")
	r.NextAttemptAt = &later // leased row whose endpoint was disabled: nothing due
	done := row("d2", "ep_a")
	done.Status = "failed"
	manual := row("d3", "ep_a")
	manual.Status, manual.ClaimManual = "failed", true
	start, back := a.admit([]store.Claimed{r, done, manual}, 1, t0)
	if !slices.Equal(ids(start), []string{"d3"}) || !slices.Equal(back, []string{"d1", "d2"}) {
		t.Fatalf("started %v, back %v; want the manual attempt started, the others back", ids(start), back)
	}
}

// fastEndpoint admits n rows of ep and finishes them all quickly, so the
// endpoint has an average attempt time (and held room) but nothing in flight.
func fastEndpoint(t *testing.T, a *admission, ep string, n int, dur time.Duration) {
	t.Helper()
	start, _ := a.admit(rows(ep, n), 1, t0)
	for range start {
		a.finish(ep, dur, false, false, t0)
	}
}

func TestAdmissionHoldsForAFastEndpointAndStartsHeldRowsInItsSlots(t *testing.T) {
	a := newAdmission(100, 4, 100, 15*time.Second)
	fastEndpoint(t, a, "ep_a", 1, time.Millisecond)
	start, back := a.admit(rows("ep_a", 4), 1, t0) // fill its slots
	if len(start) != 4 || len(back) != 0 {
		t.Fatalf("started %d, back %d", len(start), len(back))
	}
	// 1 ms attempts start 4 × 20 = 80 rows within heldMaxAge: the held
	// queue is capped at the endpoint's cap.
	p := a.plan(100, t0)
	if n, skipped := p.room("ep_a"); skipped || n != 4 {
		t.Fatalf("room of a fast endpoint at its cap = %d (skipped %v), want 4 held", n, skipped)
	}
	more := []store.Claimed{row("h1", "ep_a"), row("h2", "ep_a"), row("h3", "ep_a"), row("h4", "ep_a")}
	start, back = a.admit(more, 2, t0)
	if len(start) != 0 || len(back) != 0 {
		t.Fatalf("rows over the cap: started %v, back %v; want all held", ids(start), back)
	}
	next, ok, gone, _ := a.finish("ep_a", time.Millisecond, false, false, t0.Add(time.Millisecond))
	if !ok || next.c.ID != "h1" || next.token != 2 || len(gone) != 0 {
		t.Fatalf("finish: next %v %v, back %d; want h1 with its claim's token", next.c.ID, ok, len(gone))
	}
	if a.inFlight() != 4 {
		t.Fatalf("in flight %d, want 4: the held row took the freed slot", a.inFlight())
	}
	// Held past heldMaxAge: given back, not sent.
	_, ok, gone, _ = a.finish("ep_a", time.Millisecond, false, false, t0.Add(heldMaxAge+time.Millisecond))
	if ok || len(gone) != 3 {
		t.Fatalf("after heldMaxAge: next %v, %d back; want none started, 3 back", ok, len(gone))
	}
}

func TestAdmissionHeldRoomFollowsTheEndpointsPace(t *testing.T) {
	a := newAdmission(100, 8, 100, 15*time.Second)
	fastEndpoint(t, a, "ep_slowish", 1, 80*time.Millisecond)
	a.admit(rows("ep_slowish", 8), 1, t0)
	// 8 slots finishing every 80 ms start 2 rows within 20 ms: 2 are held,
	// the third goes back.
	start, back := a.admit(rows("ep_slowish", 3), 2, t0)
	if len(start) != 0 || len(back) != 1 || len(a.eps["ep_slowish"].held) != 2 {
		t.Fatalf("started %d, back %d, held %d; want 0, 1, 2", len(start), len(back), len(a.eps["ep_slowish"].held))
	}
}

func TestAdmissionStoppedEndpointsHeldRowsGoBack(t *testing.T) {
	a := newAdmission(100, 2, 100, 15*time.Second)
	fastEndpoint(t, a, "ep_a", 1, time.Millisecond)
	a.admit(rows("ep_a", 2), 1, t0)
	a.admit([]store.Claimed{row("h1", "ep_a")}, 2, t0)
	a.stopped("ep_a", t0)
	next, ok, back, _ := a.finish("ep_a", time.Millisecond, false, false, t0)
	if ok || len(back) != 1 || back[0].c.ID != "h1" {
		t.Fatalf("after a stop: next %v %v, back %d; want h1 back", next.c.ID, ok, len(back))
	}
}

func TestAdmissionStoppingGivesHeldRowsBack(t *testing.T) {
	a := newAdmission(100, 2, 100, 15*time.Second)
	fastEndpoint(t, a, "ep_a", 1, time.Millisecond)
	a.admit(rows("ep_a", 2), 1, t0)
	a.admit([]store.Claimed{row("h1", "ep_a"), row("h2", "ep_a")}, 2, t0)
	_, ok, back, _ := a.finish("ep_a", time.Millisecond, true, true, t0)
	if ok || len(back) != 2 {
		t.Fatalf("stopping: started %v, %d back; want both held rows back", ok, len(back))
	}
}

func TestAdmissionBusyEndpointIsRefilledInBatches(t *testing.T) {
	// cap 8, claim batch 100: refill = min(16, 100)/2 = 8; a slow-ish
	// endpoint (no held room) is claimed for again only when all 8 slots
	// are free... and a fast one when its slots plus held room reach 8.
	a := newAdmission(100, 8, 100, 15*time.Second)
	fastEndpoint(t, a, "ep_a", 1, time.Second) // 1 s attempts: no held room
	start, _ := a.admit(rows("ep_a", 8), 1, t0)
	if len(start) != 8 {
		t.Fatal(len(start))
	}
	for i := range 8 {
		_, _, _, wake := a.finish("ep_a", time.Second, false, false, t0)
		_, skipped := a.plan(100, t0).room("ep_a")
		last := i == 7
		if skipped == last {
			t.Fatalf("after %d of 8 finished: skipped %v", i+1, skipped)
		}
		if wake != last {
			t.Fatalf("after %d of 8 finished: wake %v, want a wake only when the endpoint can be claimed for again", i+1, wake)
		}
	}
}

func TestAdmissionWorkersFullWakesOnFirstFreedWorker(t *testing.T) {
	a := newAdmission(3, 3, 100, 15*time.Second)
	a.admit(rows("ep_a", 3), 1, t0)
	if p := a.plan(100, t0); p.Max != 0 {
		t.Fatalf("all workers busy: plan Max %d, want 0", p.Max)
	}
	if _, _, _, wake := a.finish("ep_a", time.Second, false, false, t0); !wake {
		t.Fatal("the first freed worker did not wake the claimer")
	}
	if p := a.plan(100, t0); p.Max != 1 {
		t.Fatalf("plan Max %d, want 1", p.Max)
	}
}

func TestAdmissionSlowEndpointsShareIsCapped(t *testing.T) {
	// 8 workers: slow endpoints hold at most 6 (8 - 8/4).
	a := newAdmission(8, 8, 100, 4*time.Second)
	for _, ep := range []string{"ep_s1", "ep_s2"} {
		fastEndpoint(t, a, ep, 1, 2*time.Second) // 2 s ≥ 4 s / 4: slow
	}
	p := a.plan(100, t0)
	if n, skipped := p.room("ep_s1"); skipped || n != 6 {
		t.Fatalf("slow endpoint room %d (skipped %v), want 6", n, skipped)
	}
	start, back := a.admit(append(rows("ep_s1", 4), rows("ep_s2", 4)...), 1, t0)
	if len(start) != 6 || len(back) != 2 {
		t.Fatalf("slow endpoints: %d started, %d back; want 6 and 2", len(start), len(back))
	}
	p = a.plan(100, t0)
	if _, skipped := p.room("ep_s2"); !skipped {
		t.Fatal("slow endpoints hold their share, yet a slow one is not skipped")
	}
	if n, skipped := p.room("ep_fast"); skipped || n != 8 || p.Max != 2 {
		t.Fatalf("a fresh endpoint: room %d, skipped %v, max %d; want the 2 workers left", n, skipped, p.Max)
	}
	if _, _, _, wake := a.finish("ep_s1", 2*time.Second, false, false, t0); !wake {
		t.Fatal("a slow attempt's end freed the slow share without waking the claimer")
	}
	// A fast attempt makes the endpoint fast again: its other attempts
	// no longer count in the slow share.
	a.finish("ep_s2", time.Millisecond, false, false, t0)
	if a.slowInflight != 3 {
		t.Fatalf("slow in flight %d, want ep_s1's 3", a.slowInflight)
	}
}

// TestAdmissionClaimWithinPlanIsNeverGivenBack: rows a claim takes within
// the plan (as the claim statement guarantees) all start or wait; none has
// to be given back.
func TestAdmissionClaimWithinPlanIsNeverGivenBack(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a := newAdmission(32, 6, 20, 4*time.Second)
	type flight struct {
		ep  string
		dur time.Duration
	}
	var inflight []flight
	durs := map[string]time.Duration{"e0": time.Millisecond, "e1": 5 * time.Millisecond, "e2": 30 * time.Millisecond, "e3": 2 * time.Second, "e4": 3 * time.Second, "e5": time.Millisecond}
	eps := []string{"e0", "e1", "e2", "e3", "e4", "e5"}
	n := 0
	for step := range 5000 {
		if r.IntN(2) == 0 || len(inflight) == 0 {
			p := a.plan(20, t0)
			var claimed []store.Claimed
			for _, ep := range eps {
				room, skipped := p.room(ep)
				if skipped {
					continue
				}
				for range r.IntN(room + 1) {
					if len(claimed) == p.Max {
						break
					}
					n++
					claimed = append(claimed, row(fmt.Sprint(n), ep))
				}
			}
			start, back := a.admit(claimed, int64(step), t0)
			if len(back) > 0 {
				t.Fatalf("step %d: plan %+v: claimed rows given back: %v", step, p, back)
			}
			for _, c := range start {
				inflight = append(inflight, flight{c.EndpointID, durs[c.EndpointID]})
			}
			continue
		}
		i := r.IntN(len(inflight))
		f := inflight[i]
		inflight = append(inflight[:i], inflight[i+1:]...)
		next, ok, _, _ := a.finish(f.ep, f.dur, false, false, t0)
		if ok {
			inflight = append(inflight, flight{next.c.EndpointID, durs[next.c.EndpointID]})
		}
		if a.inFlight() != len(inflight) || a.inFlight() > 32 {
			t.Fatalf("step %d: admission counts %d in flight, the test %d (workers 32)", step, a.inFlight(), len(inflight))
		}
	}
}

// TestAdmissionNoLostWakeUp: a claimer that plans, claims what the plan
// allows and then sleeps until woken never misses room: whenever a plan
// made now would let it take something its last plan did not (a free
// worker, an endpoint no longer skipped), some attempt's end has woken it.
// Attempts end in random order, of fast, slow-ish and slow endpoints, with
// held rows and refills, while publishes hand rows over (or leave them
// due, waking the claimer) and the claimer's last claim may have been dry.
func TestAdmissionNoLostWakeUp(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		a := newAdmission(16, 5, 12, 4*time.Second)
		durs := map[string]time.Duration{"e0": time.Millisecond, "e1": 10 * time.Millisecond, "e2": time.Second, "e3": 2 * time.Second, "e4": 3 * time.Second}
		eps := []string{"e0", "e1", "e2", "e3", "e4"}
		type flight struct{ ep string }
		var inflight []flight
		// Even seeds start from a backlog; odd ones from nothing, all
		// their work published while they run (handed over or not).
		initial := 200 * int(1-seed%2)
		backlog := map[string]int{"e0": initial, "e1": initial, "e2": initial, "e3": initial, "e4": initial}
		n, published := 0, 0
		var releasing []string // endpoints of rows given back, their release not yet written
		// The clock moves 0-9 ms a step, so rows held for an endpoint
		// can outstay heldMaxAge and be given back.
		tm := t0
		var view claimPlan
		// claim is one claim; it says whether the claimer goes on at
		// once (it took rows: it claims again, as claim.go does).
		claim := func(step int) bool {
			view = a.plan(12, tm)
			if view.Max <= 0 {
				a.setDry(false) // as the claimer does when no worker is free
				return false
			}
			var claimed []store.Claimed
			for _, ep := range eps {
				room, skipped := view.room(ep)
				for ; !skipped && room > 0 && backlog[ep] > 0 && len(claimed) < view.Max; room-- {
					backlog[ep]--
					n++
					claimed = append(claimed, row(fmt.Sprint(n), ep))
				}
			}
			a.setDry(len(claimed) == 0)
			a.claimed(view, claimed)
			start, _ := a.admit(claimed, int64(step), tm)
			for _, c := range start {
				inflight = append(inflight, flight{c.EndpointID})
			}
			return len(claimed) > 0
		}
		woken := claim(0)
		for step := 1; len(inflight) > 0 || published < 300 || len(releasing) > 0; step++ {
			if woken && r.IntN(3) == 0 {
				woken = claim(step)
				continue
			}
			tm = tm.Add(time.Duration(r.IntN(10)) * time.Millisecond)
			if published < 300 && (r.IntN(2) == 0 || len(inflight) == 0) {
				// A publish to one endpoint (handoff.go): handed over
				// within the lease plan's room, else left due, and then
				// it wakes the claimer (the API wakes it when Queued > 0).
				published++
				ep := eps[r.IntN(len(eps))]
				lp := a.leasePlan(tm)
				room := lp.DefaultRoom
				if k := slices.Index(lp.RoomEndpoints, ep); k >= 0 {
					room = int(lp.RoomCounts[k])
				}
				n++
				if lp.Max > 0 && room > 0 {
					start, back := a.admit([]store.Claimed{row(fmt.Sprint(n), ep)}, int64(step), tm)
					for _, c := range start {
						inflight = append(inflight, flight{c.EndpointID})
					}
					if len(back) > 0 {
						backlog[ep]++
						woken = woken || a.roomFor([]string{ep}) // startAll's release
					}
				} else {
					// Left due: the API's wake (Dispatcher.Wake) wakes the
					// claimer if it could take the row now, else clears
					// dry so the next freed worker or slot wakes it.
					backlog[ep]++
					if a.roomFor([]string{ep}) {
						woken = true
					} else {
						a.setDry(false)
					}
				}
			}
			if len(inflight) > 0 {
				i := r.IntN(len(inflight))
				f := inflight[i]
				inflight = append(inflight[:i], inflight[i+1:]...)
				next, ok, back, wake := a.finish(f.ep, durs[f.ep], false, false, tm)
				if ok {
					inflight = append(inflight, flight{next.c.EndpointID})
				}
				// Rows given back are due once the completer's release
				// of them commits, some steps later (complete.write),
				// which then wakes the claimer if it has room for them;
				// a claim made meanwhile, woken by this attempt's end,
				// does not see them.
				for _, h := range back {
					releasing = append(releasing, h.c.EndpointID)
				}
				woken = woken || wake
			}
			if len(releasing) > 0 && (r.IntN(3) == 0 || len(inflight) == 0) {
				for _, ep := range releasing {
					backlog[ep]++
				}
				woken = woken || a.roomFor(releasing)
				releasing = nil
			}
			if woken {
				continue
			}
			now := a.plan(12, tm)
			if view.Max == 0 && now.Max > 0 {
				t.Fatalf("seed %d step %d: a worker came free and the claimer was not woken", seed, step)
			}
			for _, ep := range eps {
				_, was := view.room(ep)
				room, is := now.room(ep)
				if was && !is && backlog[ep] > 0 {
					t.Fatalf("seed %d step %d: %s can be claimed for again and the claimer was not woken", seed, step, ep)
				}
				// The claimer sleeps: no row a claim now could take is due.
				if !is && room > 0 && backlog[ep] > 0 {
					t.Fatalf("seed %d step %d: a row of %s is due, a claim could take it, and the claimer sleeps", seed, step, ep)
				}
			}
			if len(inflight) == 0 && len(releasing) == 0 {
				woken = claim(step) // the claimer's Poll: nothing in flight, nothing lost
			}
		}
	}
}

func TestAdmissionLeasePlanGivesBusyEndpointsTheirRoom(t *testing.T) {
	a := newAdmission(10, 4, 100, 15*time.Second)
	if p := a.leasePlan(t0); p.Max != 10 || p.DefaultRoom != 4 || len(p.RoomEndpoints) != 0 {
		t.Fatalf("fresh lease plan = %+v, want Max 10, DefaultRoom 4, no endpoint listed", p)
	}
	a.admit(rows("ep_a", 3), 1, t0)
	// A claim skips ep_a (room 1 is under a refill of 2); a publish may
	// still lease it the one row it has room for.
	if _, skipped := a.plan(100, t0).room("ep_a"); !skipped {
		t.Fatal("a claim does not skip an endpoint with room for less than a refill")
	}
	p := a.leasePlan(t0)
	if p.Max != 7 || !slices.Equal(p.RoomEndpoints, []string{"ep_a"}) || !slices.Equal(p.RoomCounts, []int32{1}) {
		t.Fatalf("lease plan = %+v, want Max 7 and ep_a room 1", p)
	}
	a.admit(rows("ep_b", 4), 2, t0)
	a.admit(rows("ep_c", 3), 3, t0)
	if p := a.leasePlan(t0); p.Max != 0 {
		t.Fatalf("all workers busy: lease plan Max %d, want 0", p.Max)
	}
}

func TestAdmissionDryClaimerIsNotWokenByAFreeWorker(t *testing.T) {
	// Refills of 1: an endpoint with one free slot is not skipped.
	a := newAdmission(4, 2, 2, 15*time.Second)
	a.admit(rows("ep_a", 2), 1, t0)
	a.admit(rows("ep_b", 1), 2, t0)
	a.admit(rows("ep_c", 1), 3, t0)
	// The last claim found nothing it had room for: a worker coming free
	// at a full pool gives a claim nothing new.
	a.setDry(true)
	if _, _, _, wake := a.finish("ep_b", time.Millisecond, false, false, t0); wake {
		t.Fatal("a dry claimer was woken by a worker coming free")
	}
	// ep_a was skipped (at its cap): its room coming free still wakes.
	if _, _, _, wake := a.finish("ep_a", time.Millisecond, false, false, t0); !wake {
		t.Fatal("an endpoint the claim skipped got room and the dry claimer was not woken")
	}
	// Not dry (a claim took rows, or none could be made): a freed worker wakes.
	a.admit(rows("ep_d", 2), 4, t0)
	a.setDry(false)
	if _, _, _, wake := a.finish("ep_c", time.Millisecond, false, false, t0); !wake {
		t.Fatal("the first freed worker did not wake a claimer that is not dry")
	}
}

func TestAdmissionRoomForReleasedRows(t *testing.T) {
	a := newAdmission(4, 2, 100, 15*time.Second)
	if !a.roomFor([]string{"ep_a"}) {
		t.Fatal("an idle process has no room for a row of a new endpoint")
	}
	a.admit(rows("ep_a", 2), 1, t0)
	if a.roomFor([]string{"ep_a"}) {
		t.Fatal("room for a row of an endpoint at its cap")
	}
	if !a.roomFor([]string{"ep_a", "ep_b"}) {
		t.Fatal("no room for rows of two endpoints, one of them idle")
	}
	a.admit(rows("ep_b", 2), 2, t0)
	if a.roomFor([]string{"ep_c"}) {
		t.Fatal("room with every worker busy")
	}
}

func TestAdmissionBackloggedEndpointIsHandedNothing(t *testing.T) {
	a := newAdmission(20, 4, 100, 15*time.Second)
	room := func(ep string) int {
		p := a.leasePlan(t0)
		if i := slices.Index(p.RoomEndpoints, ep); i >= 0 {
			return int(p.RoomCounts[i])
		}
		return p.DefaultRoom
	}
	// A claim takes all the room ep_a had: more of its rows may be due,
	// so publishes hand it nothing; ep_b got less than its room.
	p := a.plan(100, t0)
	got := append(rows("ep_a", 4), rows("ep_b", 2)...)
	a.claimed(p, got)
	a.admit(got, 1, t0)
	if n := room("ep_a"); n != 0 {
		t.Fatalf("backlogged endpoint: lease room %d, want 0", n)
	}
	if n := room("ep_b"); n != 2 {
		t.Fatalf("endpoint with no backlog: lease room %d, want its 2 free slots", n)
	}
	// Its attempts end; it stays backlogged until a claim finds less than its room.
	for range 4 {
		a.finish("ep_a", time.Millisecond, false, false, t0)
	}
	if n := room("ep_a"); n != 0 {
		t.Fatalf("backlogged endpoint after its attempts ended: lease room %d, want 0", n)
	}
	p = a.plan(100, t0)
	a.claimed(p, rows("ep_a", 1))
	if n := room("ep_a"); n < 4 {
		t.Fatalf("backlog cleared: lease room %d, want at least its cap of 4", n)
	}
	// A claim cut short by its Max: every endpoint it took rows of may have more.
	a2 := newAdmission(3, 4, 100, 15*time.Second)
	p = a2.plan(100, t0)
	a2.claimed(p, rows("ep_c", 3))
	if p := a2.leasePlan(t0); !slices.Equal(p.RoomEndpoints, []string{"ep_c"}) || p.RoomCounts[0] != 0 {
		t.Fatalf("after a claim that took its Max, lease plan %+v; want ep_c with room 0", p)
	}
}

// A fan-out keeps every worker busy: a publish still hands each busy
// endpoint the rows its attempts in flight start within heldMaxAge, held
// for them rather than left to a claim (each claimed row is a second write
// of its queue row: in a fan-out of 60,000 to 20 endpoints, PostgreSQL
// 3.32-3.48 s before, 2.71-2.78 s after). An endpoint kept under its cap
// by busy workers holds in proportion to what it has in flight, not to
// its cap, so what it holds starts before heldMaxAge.
func TestAdmissionBusyWorkersLeaseWhatBusyEndpointsHold(t *testing.T) {
	a := newAdmission(4, 64, 100, 15*time.Second)
	a.admit(rows("ep_a", 2), 1, t0)
	a.admit(rows("ep_b", 2), 2, t0)
	// ep_a's attempts take 5 ms; the slot its first one frees is filled again.
	if _, ok, _, _ := a.finish("ep_a", 5*time.Millisecond, false, false, t0); ok {
		t.Fatal("a row was held before any was leased")
	}
	a.admit(rows("ep_a", 1), 3, t0)

	p := a.leasePlan(t0)
	// 2 in flight × 20 ms / 5 ms: 8 rows; ep_b has no pace yet, new endpoints no worker.
	if n, _ := p.room("ep_a"); p.Max != 8 || n != 8 {
		t.Fatalf("every worker busy: lease plan %+v, want Max 8 and ep_a room 8", p)
	}
	if n, _ := p.room("ep_b"); n != 0 {
		t.Fatalf("an endpoint with no pace yet: lease room %d, want 0", n)
	}
	if n, _ := p.room("ep_new"); n != 0 {
		t.Fatalf("a new endpoint with every worker busy: lease room %d, want 0", n)
	}
	start, back := a.admit(rows("ep_a", 9), 4, t0)
	if len(start) != 0 || len(back) != 1 {
		t.Fatalf("9 rows for ep_a with room to hold 8: %d started, %d given back; want 0 and 1", len(start), len(back))
	}
	// Each attempt's end starts a held row in its slot.
	for range 8 {
		if _, ok, back, _ := a.finish("ep_a", 5*time.Millisecond, false, false, t0.Add(10*time.Millisecond)); !ok || len(back) != 0 {
			t.Fatalf("an attempt of ep_a ended: next held row started %v, %d given back", ok, len(back))
		}
	}
	if a.leasePlan(t0).Max != 8 {
		t.Fatalf("lease plan after the held rows started: %+v", a.leasePlan(t0))
	}
}
