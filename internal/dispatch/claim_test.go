package dispatch_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestClaimerNeverSleepsWhileRowsAreDue runs a dispatcher whose Poll is an
// hour, so a claimer that sleeps without being woken while rows are due
// stops for good and the test fails (no timing assertion: a drain of
// seconds either finishes or hangs). No publish wakes it either: the
// backlog is queued before it starts, the way a server finds one after a
// restart. The endpoints cover each path that frees room: a fast one (its
// rows held and started in its own slots), one slower than heldMaxAge
// (held rows given back and claimed again), one at 1 in flight that
// answers 500 first (a retry due later), small caps and batches so refills
// and the workers' cap come into play. It also counts the claim
// statements: one that took nothing follows only a claim that took rows,
// or a wake-up, so the count stays near the claims that took rows (no
// polling loop).
func TestClaimerNeverSleepsWhileRowsAreDue(t *testing.T) {
	t.Parallel()
	const events = 150
	fast := newReceiver(t, nil)
	slowish := newReceiver(t, func(_ http.ResponseWriter, _ *http.Request, _ int) { time.Sleep(30 * time.Millisecond) })
	flaky := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n%3 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "300ms"}})
	user := app.NewUser(t, "owner@example.com")
	app.NewEndpoint(t, user, fast.URL+"/hook", "comment.added")
	app.NewEndpoint(t, user, slowish.URL+"/hook", "comment.added")
	app.NewEndpoint(t, user, flaky.URL+"/hook", "comment.added")
	ids := publishMany(t, app, user, events)

	var claims claimCount
	startDispatcher(t, app, dispatch.Options{
		Schedule: []time.Duration{300 * time.Millisecond}, AttemptTimeout: 10 * time.Second,
		Workers: 12, EndpointConcurrency: 5, ClaimBatch: 8, Poll: time.Hour,
		OnClaim: claims.add,
	})
	// A delivery of the flaky endpoint whose first attempt failed is due
	// 300 ms later: the claimer's due timer, not a wake-up, brings it.
	waitCount(t, app, 90*time.Second, len(ids), "SELECT count(*) FROM deliveries WHERE status IN ('succeeded', 'failed')")
	withRows, empty := claims.get()
	t.Logf("%d deliveries: %d claims took rows, %d took none", len(ids), withRows, empty)
	if empty > withRows+20 {
		t.Errorf("%d claims took nothing against %d that took rows: the claimer polls", empty, withRows)
	}
	if withRows == 0 {
		t.Fatal("no claim took rows")
	}
	var queued int
	if err := app.Pool.QueryRow(context.Background(), "SELECT count(*) FROM delivery_queue").Scan(&queued); err != nil || queued != 0 {
		t.Fatalf("%d rows left in the queue (%v)", queued, err)
	}
}

// TestOneEndpointBacklogIsNotWalkedPerRefill drains one endpoint's backlog
// and counts the claims that took nothing. The endpoint is at its cap
// after each refill, so a claim right after one skips it and must walk
// its whole backlog to learn that no other endpoint has a row due: the
// claimer did that after every refill (as many empty claims as claims
// with rows, each reading the backlog). Now a look that found nothing is
// repeated only after a publish, the due timer or LookGap (an hour here),
// and room coming free on the endpoint wakes a claim that does not skip
// it. No timing assertion: the counts are the claimer's decisions.
func TestOneEndpointBacklogIsNotWalkedPerRefill(t *testing.T) {
	t.Parallel()
	const events = 240
	// Slow enough that a claim right after a refill finds the endpoint full.
	rc := newReceiver(t, func(_ http.ResponseWriter, _ *http.Request, _ int) { time.Sleep(5 * time.Millisecond) })
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := app.NewUser(t, "owner@example.com")
	app.NewEndpoint(t, user, rc.URL+"/hook", "comment.added")
	ids := publishMany(t, app, user, events)

	var claims claimCount
	startDispatcher(t, app, dispatch.Options{
		Workers: 32, EndpointConcurrency: 4, ClaimBatch: 8, Poll: time.Hour, LookGap: time.Hour,
		OnClaim: claims.add,
	})
	waitCount(t, app, 90*time.Second, len(ids), "SELECT count(*) FROM deliveries WHERE status = 'succeeded'")
	withRows, empty := claims.get()
	t.Logf("%d deliveries: %d claims took rows, %d took none", len(ids), withRows, empty)
	if withRows < events/8 {
		t.Fatalf("%d claims took rows for %d deliveries at a cap of 4: the refills are not what this test is about", withRows, events)
	}
	if empty > withRows/4 {
		t.Errorf("%d claims took nothing against %d that took rows: the backlog is walked after every refill", empty, withRows)
	}
}

// claimCount counts a dispatcher's claim statements (Options.OnClaim).
type claimCount struct {
	mu              sync.Mutex
	withRows, empty int
	rows            int // rows taken in all
}

func (c *claimCount) add(rows int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows += rows
	if rows == 0 {
		c.empty++
	} else {
		c.withRows++
	}
}

func (c *claimCount) get() (withRows, empty int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.withRows, c.empty
}
