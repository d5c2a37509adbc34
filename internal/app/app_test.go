package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/app"
	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/service"
	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/testdb"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

func newApp(t *testing.T) *app.App {
	t.Helper()
	env := map[string]string{
		"DATABASE_URL":               testdb.NewURL(t),
		"CLIPCABINET_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, app.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxConns: 4, SessionCleanup: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestServiceLifecycle: every background service, and the app, may be
// stopped before it was started and more than once, and a stop after a
// start returns.
func TestServiceLifecycle(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	defer a.Stop(context.Background())
	services := []struct {
		name string
		svc  service.Service
	}{
		{name: "dispatcher", svc: a.Dispatcher},
		{name: "maintainer", svc: a.Maintainer},
		{name: "session cleanup", svc: app.NewSessionCleanup(a.Store, a.Log, time.Hour)},
	}
	for _, tt := range services {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			tt.svc.Stop(ctx) // before Start
			tt.svc.Stop(ctx) // twice
			if ctx.Err() != nil {
				t.Fatal("a stop before start did not return at once")
			}
		})
	}

	t.Run("start, stop, stop", func(t *testing.T) {
		b := newApp(t)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.Start(ctx)
		b.Stop(ctx)
		b.Stop(ctx)
		if ctx.Err() != nil {
			t.Fatal("stopping took longer than 5s")
		}
		if err := b.Pool.Ping(context.Background()); err == nil {
			t.Error("the pool is still open after Stop")
		}
	})
	t.Run("app stop before start", func(t *testing.T) {
		b := newApp(t)
		b.Stop(context.Background())
		b.Stop(context.Background())
	})
}

// TestConnectionsKeptAcrossEndpointsOfOneHost: attempts to several
// endpoints on one host reuse their connections. One event fans out to
// eight endpoints on one receiver, one attempt each in flight (the
// endpoints' cap), and the receiver holds each request until all eight have
// arrived, so eight connections are open at once. A second event does the
// same over them and opens none: each host keeps as many idle connections
// as the workers can use at once, not one endpoint's share (with which
// seven of the eight were closed after each round and dialled again).
func TestConnectionsKeptAcrossEndpointsOfOneHost(t *testing.T) {
	t.Parallel()
	const endpoints = 8
	var opened atomic.Int32
	arrived := make(chan struct{}, endpoints)
	var mu sync.Mutex
	release := make(chan struct{})
	recv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		mu.Lock()
		rel := release
		mu.Unlock()
		arrived <- struct{}{}
		<-rel
	}))
	recv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	recv.Start()
	defer recv.Close()
	defer func() { // a failed round leaves requests held
		mu.Lock()
		close(release)
		mu.Unlock()
	}()

	a := testapp.Start(t, testapp.Options{Env: map[string]string{
		"CLIPCABINET_WORKERS": strconv.Itoa(2 * endpoints), "CLIPCABINET_ENDPOINT_CONCURRENCY": "1",
		"CLIPCABINET_ATTEMPT_TIMEOUT": "30s",
	}})
	user := a.NewUser(t, "hosts@example.com")
	for i := range endpoints {
		a.NewEndpoint(t, user, fmt.Sprintf("%s/hook/%d", recv.URL, i), "comment.added")
	}
	data := webhook.SampleData(webhook.EventCommentAdded, user)
	for round := 1; round <= 2; round++ {
		var out struct {
			Deliveries []struct{ ID string } `json:"deliveries"`
		}
		a.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/events",
			map[string]any{"event": webhook.EventCommentAdded, "userId": user, "data": data}, &out)
		for i := range endpoints {
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatalf("round %d: %d of %d attempts arrived at once", round, i, endpoints)
			}
		}
		mu.Lock()
		close(release)
		release = make(chan struct{})
		mu.Unlock()
		for _, d := range out.Deliveries {
			a.WaitDelivery(t, d.ID, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })
		}
	}
	if opened.Load() != endpoints {
		t.Errorf("%d connections opened for two rounds of %d attempts at once to one host, want %d (the first round's, kept)",
			opened.Load(), endpoints, endpoints)
	}
}
