package dispatch_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/netguard"
	"github.com/clipcabinet/webhooks/internal/testapp"
)

// newDispatcher starts a dispatcher of the app's database besides (or
// instead of) the app's own, stopped when the test ends.
func newDispatcher(t *testing.T, app *testapp.App, allowPrivate bool) *dispatch.Dispatcher {
	t.Helper()
	d := dispatch.New(dispatch.Options{
		Store: app.Store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Client:   netguard.NewClient(netguard.ClientOptions{Policy: netguard.Policy{AllowPrivate: allowPrivate}}),
		Schedule: app.Config.RetrySchedule, AttemptTimeout: app.Config.AttemptTimeout,
		Poll: 50 * time.Millisecond, // the app's publish wakes only the app's dispatcher
	})
	d.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Stop(ctx)
	})
	return d
}

// TestStopGivesBack: a stop that runs out of patience cancels the attempts
// in flight and gives their deliveries back at once, with no attempt
// recorded, so the next dispatcher sends them without waiting for a lease
// to end. A manual attempt given back stays requested.
func TestStopGivesBack(t *testing.T) {
	t.Parallel()
	var hang atomic.Bool
	hang.Store(true)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if hang.Load() {
			<-r.Context().Done()
		}
	})
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_ATTEMPT_TIMEOUT": "10s"}})
	user := app.NewUser(t, "owner@example.com")
	app.NewEndpoint(t, user, rc.URL+"/hook")
	id := publishOne(t, app, user)

	stopSoon := func(d *dispatch.Dispatcher) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		d.Stop(ctx)
	}
	claimed := func() bool {
		var n int
		if err := app.Pool.QueryRow(context.Background(), "SELECT count(*) FROM delivery_queue WHERE delivery_id = $1 AND claim_token IS NOT NULL", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}

	first := newDispatcher(t, app, true)
	rc.waitHits(t, 1, 5*time.Second)
	stopSoon(first)
	d := app.Delivery(t, id)
	if d.Status != "pending" || d.AttemptCount != 0 || len(d.Attempts) != 0 || claimed() {
		t.Fatalf("after a hard stop: %+v (claimed %v), want pending, no attempt, not claimed", d, claimed())
	}

	hang.Store(false)
	given := time.Now()
	second := newDispatcher(t, app, true)
	d = app.WaitDelivery(t, id, 5*time.Second, hasStatus("succeeded"))
	if took := time.Since(given); took > 3*time.Second {
		t.Errorf("the given-back delivery took %s to send, want it sent at once, not after a lease", took)
	}
	if len(d.Attempts) != 1 || d.Attempts[0].Number != 1 || d.Attempts[0].Trigger != "automatic" {
		t.Errorf("attempts %+v, want one automatic attempt numbered 1", d.Attempts)
	}

	// A manual attempt in flight at a hard stop stays requested.
	hang.Store(true)
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/deliveries/"+id+"/retry", nil, nil)
	rc.waitHits(t, 3, 5*time.Second)
	stopSoon(second)
	if code, _ := app.API(t, "POST", "/api/v1/deliveries/"+id+"/retry", nil); code != http.StatusConflict {
		t.Errorf("retry after the manual attempt was given back: %d, want 409 (still requested)", code)
	}
	hang.Store(false)
	newDispatcher(t, app, true)
	d = app.WaitDelivery(t, id, 5*time.Second, attempts(2))
	if a := d.Attempts[1]; a.Trigger != "manual" || a.Outcome != "success" || d.Status != "succeeded" {
		t.Errorf("after the restart: %+v, want the manual attempt made", d)
	}
}

// TestBlockedAtDialTime: an endpoint stored while private targets were
// allowed is refused by a dispatcher whose client forbids them, at dial
// time, and the attempt is recorded as blocked.
func TestBlockedAtDialTime(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "1h"}})
	user := app.NewUser(t, "owner@example.com")
	app.NewEndpoint(t, user, rc.URL+"/hook")
	id := publishOne(t, app, user)
	newDispatcher(t, app, false)
	d := app.WaitDelivery(t, id, 5*time.Second, attempts(1))
	if a := d.Attempts[0]; a.Outcome != "blocked" || a.StatusCode != nil || a.Error == nil {
		t.Errorf("attempt %+v, want blocked with an error and no status", a)
	}
	if n := len(rc.Hits()); n != 0 {
		t.Errorf("the private receiver got %d requests", n)
	}
}
