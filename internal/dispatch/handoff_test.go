package dispatch_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestPublishesHandedToTheDispatcher: publishes made while the dispatcher
// runs hand it the deliveries it has room for (store.Handoff), and the
// rest wait for a claim, which the publish wakes (as the API does when
// Queued > 0). The claimer's Poll is an hour, so a row left due with no
// wake-up (a handed-over row held for its endpoint, aged and given back
// while the claimer sleeps, since publishes no longer wake it) stops the
// drain and the test fails; no timing assertion. Few workers and a small
// cap per endpoint, so both paths carry rows; one endpoint is at times
// slower than a held row may wait (heldMaxAge). Every delivery arrives
// exactly once, the queue ends empty, and the claimer does not poll: a
// claim that takes nothing follows only a wake-up (with deliveries handed
// over, a worker coming free at a full pool is no reason to claim).
func TestPublishesHandedToTheDispatcher(t *testing.T) {
	t.Parallel()
	const events = 120
	fast := newReceiver(t, nil)
	slowish := newReceiver(t, func(_ http.ResponseWriter, _ *http.Request, n int) {
		if n%4 == 0 {
			time.Sleep(40 * time.Millisecond)
		} else {
			time.Sleep(2 * time.Millisecond)
		}
	})
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := app.NewUser(t, "owner@example.com")
	app.NewEndpoint(t, user, fast.URL+"/a", "comment.added")
	app.NewEndpoint(t, user, fast.URL+"/b", "comment.added")
	app.NewEndpoint(t, user, slowish.URL+"/hook", "comment.added")

	var claims claimCount
	d, st := startDispatcherStore(t, app, dispatch.Options{
		Workers: 6, EndpointConcurrency: 3, ClaimBatch: 4, Poll: time.Hour, OnClaim: claims.add,
	})
	var (
		mu               sync.Mutex
		made, queued     int
		wg               sync.WaitGroup
		errs             []error
		data             = json.RawMessage(webhook.SampleData(webhook.EventCommentAdded, ""))
		publishersPerRun = 4
	)
	for range publishersPerRun {
		wg.Go(func() {
			for range events / publishersPerRun {
				out, err := st.Publish(context.Background(), store.Publish{
					Event: webhook.EventCommentAdded, UserID: user, Data: data, OccurredAt: time.Now().UTC(),
				})
				if err == nil && out.Queued > 0 {
					d.Wake(out.QueuedEndpoints...) // as the API does
				}
				mu.Lock()
				made += len(out.Deliveries)
				queued += out.Queued
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	if made != 3*events {
		t.Fatalf("%d deliveries made, want %d", made, 3*events)
	}
	waitCount(t, app, 90*time.Second, made, "SELECT count(*) FROM deliveries WHERE status = 'succeeded'")

	seen := map[string]int{}
	for _, h := range append(fast.Hits(), slowish.Hits()...) {
		seen[h.delivery]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
	if len(seen) != made {
		t.Errorf("%d deliveries arrived, want %d", len(seen), made)
	}
	var left int
	if err := app.Pool.QueryRow(context.Background(), "SELECT count(*) FROM delivery_queue").Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d rows left in the queue (%v)", left, err)
	}
	withRows, empty := claims.get()
	claims.mu.Lock()
	claimedRows := claims.rows
	claims.mu.Unlock()
	t.Logf("%d deliveries: %d handed over at publish, %d queued; %d claims took %d rows, %d took none",
		made, made-queued, queued, withRows, claimedRows, empty)
	if queued == made || queued == 0 {
		t.Fatalf("%d of %d deliveries queued: the test wants both paths used", queued, made)
	}
	if claimedRows < queued {
		t.Errorf("claims took %d rows, fewer than the %d queued", claimedRows, queued)
	}
	if empty > withRows+20 {
		t.Errorf("%d claims took nothing against %d that took rows: the claimer polls", empty, withRows)
	}
}

// TestFreshDeliveriesQueueBehindABacklog: while an endpoint has due rows
// waiting (a backlog after an outage, retries), publishes hand it nothing:
// its fresh deliveries are queued and claimed in due order, after the
// backlog, instead of taking its slots as they come free. The backlog is
// queued before the dispatcher starts; the fresh events are published
// once its first claim has taken all the room the endpoint had. A publish
// is held to the rule only while enough of the backlog is still waiting
// that no claim can have taken the rest before it: once the backlog is
// gone, a fresh delivery is rightly handed over (a loaded machine's
// publishes once outlasted a quicker backlog of 120 rows).
func TestFreshDeliveriesQueueBehindABacklog(t *testing.T) {
	t.Parallel()
	const backlog, fresh, endpointCap, workers = 200, 10, 4, 8
	rc := newReceiver(t, func(_ http.ResponseWriter, _ *http.Request, _ int) { time.Sleep(20 * time.Millisecond) })
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := app.NewUser(t, "owner@example.com")
	app.NewEndpoint(t, user, rc.URL+"/hook", "comment.added")
	old := publishMany(t, app, user, backlog)

	firstClaim := make(chan struct{})
	var once sync.Once
	d, st := startDispatcherStore(t, app, dispatch.Options{
		Workers: workers, EndpointConcurrency: endpointCap, ClaimBatch: 8, Poll: time.Hour,
		OnClaim: func(n int) {
			if n > 0 {
				once.Do(func() { close(firstClaim) })
			}
		},
	})
	<-firstClaim
	isFresh := map[string]bool{}
	data := json.RawMessage(webhook.SampleData(webhook.EventCommentAdded, ""))
	checked := 0
	for range fresh {
		// A claim takes at most a worker per row: with four claims' worth
		// still waiting, the backlog outlasts the publish statement.
		backlogged := waitingRows(t, st, old) >= 4*workers
		out, err := st.Publish(context.Background(), store.Publish{Event: webhook.EventCommentAdded, UserID: user, Data: data, OccurredAt: time.Now().UTC()})
		if err != nil {
			t.Fatal(err)
		}
		if backlogged {
			checked++
			if out.Queued != len(out.Deliveries) {
				t.Fatalf("a publish handed %d of %d deliveries to an endpoint with a backlog", len(out.Deliveries)-out.Queued, len(out.Deliveries))
			}
		}
		d.Wake()
		for _, dl := range out.Deliveries {
			isFresh[dl.ID] = true
		}
	}
	if checked < 3 {
		t.Fatalf("only %d of %d publishes came while the backlog was waiting", checked, fresh)
	}
	hits := rc.waitHits(t, len(old)+fresh, 90*time.Second)
	// Claimed in due order: a fresh delivery is claimed only after every
	// backlog row was, so only the backlog's last few (in flight, held for
	// the endpoint, or given back and claimed again) can arrive after the
	// first fresh one; handed over, the fresh ones came first, with ~110
	// of the backlog still to come. The bound leaves room for a slow
	// machine.
	for i, h := range hits {
		if isFresh[h.delivery] {
			if later := len(old) - (i - countFresh(hits[:i], isFresh)); later > len(old)/4 {
				t.Fatalf("a fresh delivery arrived with %d of the backlog still to come", later)
			}
			break
		}
	}
}

// waitingRows is how many of the deliveries wait in the queue, unclaimed.
func waitingRows(t *testing.T, st *store.Store, ids []string) int {
	t.Helper()
	var n int
	if err := st.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM delivery_queue WHERE claim_token IS NULL AND delivery_id = ANY($1)`, ids).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func countFresh(hits []hit, isFresh map[string]bool) int {
	n := 0
	for _, h := range hits {
		if isFresh[h.delivery] {
			n++
		}
	}
	return n
}
