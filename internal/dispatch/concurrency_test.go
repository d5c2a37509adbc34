package dispatch_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestTwoDispatchersOneDatabase: two dispatchers, each with its own pool,
// share one database, as two instances of the service do. Every one of
// 2,000 deliveries is sent exactly once, and both dispatchers take part.
func TestTwoDispatchersOneDatabase(t *testing.T) {
	t.Parallel()
	const endpoints, events = 20, 100
	rc := newReceiver(t, nil)
	var byA, byB atomic.Int64
	app := testapp.Start(t, testapp.Options{OnResult: func(store.Result) { byA.Add(1) }})

	// The second instance: its own pool and store on the same database.
	startDispatcher(t, app, dispatch.Options{
		Schedule: app.Config.RetrySchedule, AttemptTimeout: app.Config.AttemptTimeout,
		Workers: app.Config.Workers, Poll: 200 * time.Millisecond,
		OnResult: func(store.Result) { byB.Add(1) },
	})

	user := app.NewUser(t, "owner@example.com")
	for i := range endpoints {
		app.NewEndpoint(t, user, fmt.Sprintf("%s/ep/%d", rc.URL, i), "comment.added")
	}
	ids := publishMany(t, app, user, events)
	if len(ids) != endpoints*events {
		t.Fatalf("published %d deliveries, want %d", len(ids), endpoints*events)
	}
	waitCount(t, app, 60*time.Second, endpoints*events, "SELECT count(*) FROM deliveries WHERE status = 'succeeded'")

	got := map[string]int{}
	for _, h := range rc.Hits() {
		got[h.delivery]++
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("delivery %s was sent %d times, want once", id, got[id])
		}
	}
	if len(got) != len(ids) {
		t.Errorf("receiver saw %d delivery ids, want %d", len(got), len(ids))
	}
	var attemptRows, notFirst int
	if err := app.Pool.QueryRow(context.Background(), "SELECT count(*), count(*) FILTER (WHERE number <> 1 OR outcome <> 'success') FROM attempts").Scan(&attemptRows, &notFirst); err != nil {
		t.Fatal(err)
	}
	if attemptRows != len(ids) || notFirst != 0 {
		t.Errorf("%d attempts recorded (%d not a first success), want %d first successes", attemptRows, notFirst, len(ids))
	}
	// OnResult runs after a batch's commit, so the last batch can be in the
	// database before its callbacks ran: wait for them (a bound, not a
	// timing check).
	for deadline := time.Now().Add(30 * time.Second); byA.Load()+byB.Load() < int64(len(ids)) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	a, b := byA.Load(), byB.Load()
	t.Logf("dispatcher A sent %d, dispatcher B sent %d", a, b)
	if a == 0 || b == 0 || a+b != int64(len(ids)) {
		t.Errorf("dispatchers recorded %d and %d results, want both to take part and %d in all", a, b, len(ids))
	}
}

// TestFairness: endpoints that time out with a backlog of 1,000 hold at
// most their cap of attempts each, and a healthy endpoint's deliveries stay
// prompt while the backlog exists, also when the dead endpoints' caps add
// up to every worker or more. The latency bound is generous on purpose: it tells
// "flows" from "starved behind the backlog", nothing finer.
func TestFairness(t *testing.T) {
	t.Parallel()
	const backlog, healthyEvents, workers, epCap = 1000, 25, 32, 8
	tests := []struct {
		name string
		dead int // endpoints timing out, sharing the backlog
	}{
		{name: "one dead endpoint", dead: 1},
		{name: "dead endpoints' caps fill every worker", dead: workers / epCap},
		{name: "dead endpoints' caps exceed the workers", dead: 2 * workers / epCap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dead := newReceiver(t, func(_ http.ResponseWriter, r *http.Request, _ int) {
				select { // past the attempt timeout
				case <-time.After(5 * time.Second):
				case <-r.Context().Done():
				}
			})
			healthy := newReceiver(t, nil)
			app := testapp.Start(t, testapp.Options{Env: map[string]string{
				"CLIPCABINET_WORKERS":              fmt.Sprint(workers),
				"CLIPCABINET_ENDPOINT_CONCURRENCY": fmt.Sprint(epCap),
				"CLIPCABINET_ATTEMPT_TIMEOUT":      "1s",
				"CLIPCABINET_RETRY_SCHEDULE":       "1h",
			}})
			deadUser, healthyUser := app.NewUser(t, "dead@example.com"), app.NewUser(t, "healthy@example.com")
			var deadEPs []string
			for i := range tt.dead {
				deadEPs = append(deadEPs, app.NewEndpoint(t, deadUser, fmt.Sprintf("%s/%d", dead.URL, i)).ID)
			}
			app.NewEndpoint(t, healthyUser, healthy.URL+"/hook")
			publishMany(t, app, deadUser, backlog/tt.dead)

			published := map[string]time.Time{}
			for range healthyEvents {
				at := time.Now()
				published[publishOne(t, app, healthyUser)] = at
				time.Sleep(100 * time.Millisecond)
			}
			deadline := time.Now().Add(10 * time.Second)
			for len(healthy.Hits()) < healthyEvents && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			hits := healthy.Hits()

			ctx := context.Background()
			var waiting int
			if err := app.Pool.QueryRow(ctx, "SELECT count(*) FROM deliveries WHERE endpoint_id = ANY($1) AND status = 'pending'", deadEPs).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			if waiting < backlog/2 {
				t.Fatalf("only %d of the dead endpoints' deliveries still wait: the backlog is gone, the test proves nothing", waiting)
			}
			var lat []time.Duration
			for _, h := range hits {
				at, ok := published[h.delivery]
				if !ok {
					t.Errorf("healthy receiver got an unknown delivery %s", h.delivery)
					continue
				}
				d := h.at.Sub(at)
				lat = append(lat, d)
				if d >= 2*time.Second {
					t.Errorf("healthy delivery %s took %s from publish to receipt behind the backlog, want < 2s", h.delivery, d)
				}
			}
			if len(hits) < healthyEvents {
				t.Fatalf("only %d of %d healthy deliveries arrived within 10s behind the backlog", len(hits), healthyEvents)
			}
			slices.Sort(lat)
			t.Logf("healthy publish→receipt with %d dead deliveries waiting: median %s, worst %s", waiting, lat[len(lat)/2], lat[len(lat)-1])

			// Each dead endpoint's attempts, as the dispatcher recorded them,
			// never overlap more than the cap (and a lone one does reach it).
			for _, ep := range deadEPs {
				if most := mostAtOnce(t, app, ep); most > epCap || (tt.dead == 1 && most != epCap) {
					t.Errorf("dead endpoint %s had at most %d attempts at once, want its cap of %d", ep, most, epCap)
				}
			}
		})
	}
}

// mostAtOnce is the most attempts of the endpoint that overlapped in time,
// from the attempts recorded.
func mostAtOnce(t *testing.T, app *testapp.App, endpointID string) int {
	t.Helper()
	rows, err := app.Pool.Query(context.Background(), `SELECT a.started_at, a.duration_ms FROM attempts a
		JOIN deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1`, endpointID)
	if err != nil {
		t.Fatal(err)
	}
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for rows.Next() {
		var start time.Time
		var ms int
		if err := rows.Scan(&start, &ms); err != nil {
			t.Fatal(err)
		}
		edges = append(edges, edge{start, 1}, edge{start.Add(time.Duration(ms) * time.Millisecond), -1})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta // an end before a start at the same instant
	})
	inflight, most := 0, 0
	for _, e := range edges {
		inflight += e.delta
		most = max(most, inflight)
	}
	return most
}

// publishMany publishes n comment.added events for user from a few
// goroutines and returns every delivery id.
func publishMany(t *testing.T, app *testapp.App, user string, n int) []string {
	t.Helper()
	var (
		mu   sync.Mutex
		ids  []string
		errs []error
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range 8 {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				got, err := tryPublishComment(app, user)
				mu.Lock()
				ids = append(ids, got...)
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d publishes failed; first: %v", len(errs), n, errs[0])
	}
	return ids
}

// waitCount polls a count query until it reaches want.
func waitCount(t *testing.T, app *testapp.App, timeout time.Duration, want int, query string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var n int
		if err := app.Pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d within %s, want %d", query, n, timeout, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestResultsDoNotHoldWorkers: results are written in batches, at most
// CompleteGap apart, but not held back once the results channel (eight per
// worker) is half full, where workers would soon wait to hand theirs in.
// With an hour's gap and two workers, 40 deliveries all reach the receiver
// and all but the last few (at most half the channel's 16) are recorded
// within seconds (when only the gap
// ended the wait, one was recorded and 39 waited for the hour, most of
// their goroutines blocked on the full channel).
func TestResultsDoNotHoldWorkers(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := app.NewUser(t, "owner@example.com")
	app.NewEndpoint(t, user, rc.URL+"/hook", "comment.added")
	const n = 40
	if ids := publishMany(t, app, user, n); len(ids) != n {
		t.Fatalf("published %d deliveries, want %d", len(ids), n)
	}
	startDispatcher(t, app, dispatch.Options{
		Schedule: app.Config.RetrySchedule, AttemptTimeout: app.Config.AttemptTimeout,
		Workers: 2, Poll: 200 * time.Millisecond, CompleteGap: time.Hour,
	})
	rc.waitHits(t, n, 10*time.Second)
	waitCount(t, app, 10*time.Second, n-8, "SELECT count(*) FROM deliveries WHERE status = 'succeeded'")
}
