package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/app"
	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/service"
	"github.com/clipcabinet/webhooks/internal/testdb"
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
