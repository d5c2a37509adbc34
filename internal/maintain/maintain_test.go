package maintain_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/maintain"
	"github.com/clipcabinet/webhooks/internal/netguard"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

type bundle struct {
	st   *store.Store
	m    *maintain.Maintainer
	user string
}

func setup(t *testing.T, o maintain.Options) *bundle {
	t.Helper()
	pool := testdb.New(t)
	st, err := store.New(pool, store.Options{EncryptionKey: testdb.Key})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserCreate(context.Background(), store.NewUser{ID: webhook.NewID("user_"), Email: "ops@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	o.Store = st
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return &bundle{st: st, m: maintain.New(o), user: u.ID}
}

func (b *bundle) endpoint(t *testing.T, url string) string {
	t.Helper()
	ep, _, err := b.st.EndpointCreate(context.Background(), store.Actor{ID: "test"}, store.NewEndpoint{
		UserID: b.user, URL: url, Events: webhook.EventTypes, Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ep.ID
}

func (b *bundle) publish(t *testing.T, ep string) string {
	t.Helper()
	out, err := b.st.Publish(context.Background(), store.Publish{
		Event: webhook.EventCommentAdded, UserID: b.user, EndpointID: ep,
		Data: webhook.SampleData(webhook.EventCommentAdded, b.user), OccurredAt: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Deliveries[0].ID
}

func (b *bundle) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := b.st.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestRetention: bodies of finished deliveries older than the retention are
// pruned, newer ones and unfinished ones are kept, and the attempt records
// themselves stay; the endpoint health rollup forgets hours older than its
// charts show. Bodies are held by events, or, for events published before
// 00015_event_bodies.sql, by payload rows: both are read and pruned alike.
func TestRetention(t *testing.T) {
	t.Parallel()
	b := setup(t, maintain.Options{Retention: 30 * 24 * time.Hour, Batch: 2})
	ep := b.endpoint(t, "http://127.0.0.1:1/x")
	var old, fresh, pendingOld, legacyOld, legacyFresh []string
	for range 5 {
		old = append(old, b.publish(t, ep))
	}
	fresh = append(fresh, b.publish(t, ep))
	pendingOld = append(pendingOld, b.publish(t, ep))
	for range 3 {
		legacyOld = append(legacyOld, b.publish(t, ep))
	}
	legacyFresh = append(legacyFresh, b.publish(t, ep))
	all := func(lists ...[]string) []string { return slices.Concat(lists...) }
	// Published before event bodies: the body in a payload row, none on
	// the event; read back byte for byte.
	legacy := all(legacyOld, legacyFresh)
	bodies := map[string][]byte{}
	for _, id := range legacy {
		d, err := b.st.DeliveryDetail(context.Background(), id)
		if err != nil || d.Body == nil {
			t.Fatalf("delivery %s: body %q, %v", id, d.Body, err)
		}
		bodies[id] = d.Body
	}
	b.exec(t, `INSERT INTO payloads (delivery_id, body, created_at)
	           SELECT d.id, e.body_head || convert_to(d.id, 'UTF8') || e.body_tail, e.created_at
	           FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ANY($1)`, legacy)
	b.exec(t, `UPDATE events SET body_head = NULL, body_tail = NULL
	           WHERE id IN (SELECT event_id FROM deliveries WHERE id = ANY($1))`, legacy)
	for _, id := range legacy {
		if d, err := b.st.DeliveryDetail(context.Background(), id); err != nil || !bytes.Equal(d.Body, bodies[id]) {
			t.Fatalf("delivery %s from a payload row: body %q, %v; want %q", id, d.Body, err, bodies[id])
		}
	}
	// Backdate: eight finished 40 days ago with an attempt each, two
	// finished yesterday, one still pending from 40 days ago.
	b.exec(t, `WITH dq AS (DELETE FROM delivery_queue WHERE delivery_id = ANY($1))
	           UPDATE deliveries SET status = 'succeeded', next_attempt_at = NULL, completed_at = now()
	           WHERE id = ANY($1)`, all(old, fresh, legacyOld, legacyFresh))
	b.exec(t, `UPDATE events SET created_at = now() - interval '40 days'
	           WHERE id IN (SELECT event_id FROM deliveries WHERE id = ANY($1))`, all(old, pendingOld, legacyOld))
	b.exec(t, `UPDATE payloads SET created_at = now() - interval '40 days' WHERE delivery_id = ANY($1)`, legacyOld)
	b.exec(t, `INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome, response_body)
	           SELECT id, 1, 'automatic', now() - interval '40 days', 12, 200, 'success', 'ok' FROM deliveries WHERE id = ANY($1)`, all(old, legacyOld))
	b.exec(t, `INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome, response_body)
	           SELECT id, 1, 'automatic', now(), 12, 200, 'success', 'fresh' FROM deliveries WHERE id = ANY($1)`, all(fresh, legacyFresh))
	// The endpoint health rollup: an hour 40 days ago and one today.
	b.exec(t, `INSERT INTO endpoint_health (endpoint_id, hour, kind, bucket, n)
	           VALUES ($1, date_trunc('hour', now()) - interval '40 days', 'success', 3, 5),
	                  ($1, date_trunc('hour', now()), 'success', 3, 1)`, ep)

	if err := b.m.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var hours []time.Time
	if err := b.st.Pool.QueryRow(context.Background(), `SELECT array_agg(hour) FROM endpoint_health`).Scan(&hours); err != nil {
		t.Fatal(err)
	}
	if len(hours) != 1 || time.Since(hours[0]) > time.Hour {
		t.Errorf("endpoint health hours left after retention: %v, want only this hour", hours)
	}
	for _, tc := range []struct {
		name     string
		ids      []string
		wantBody bool
	}{
		{"old and finished: pruned", old, false},
		{"recent: kept", fresh, true},
		{"old but still pending: kept", pendingOld, true},
		{"old and finished, payload row: pruned", legacyOld, false},
		{"recent, payload row: kept", legacyFresh, true},
	} {
		for _, id := range tc.ids {
			d, err := b.st.DeliveryDetail(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if (d.Body != nil) != tc.wantBody {
				t.Errorf("%s: delivery %s body present = %v", tc.name, id, d.Body != nil)
			}
			for _, a := range d.Attempts {
				if (a.ResponseBody != nil) != tc.wantBody {
					t.Errorf("%s: attempt of %s response present = %v", tc.name, id, a.ResponseBody != nil)
				}
				if a.StatusCode == nil || *a.StatusCode != 200 || a.Outcome != "success" {
					t.Errorf("%s: attempt metadata lost: %+v", tc.name, a)
				}
			}
		}
	}
}

// TestGoneDisablesAtOnce: an automatic attempt answered 410 Gone disables
// the endpoint with a reason, and its other deliveries stop.
func TestGoneDisablesAtOnce(t *testing.T) {
	t.Parallel()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusGone)
	}))
	defer recv.Close()
	b := setup(t, maintain.Options{Interval: time.Hour})
	ep := b.endpoint(t, recv.URL)
	ctx := context.Background()
	b.m.Start(ctx)
	defer b.m.Stop(ctx)
	d := dispatch.New(dispatch.Options{
		Store: b.st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Client:   netguard.NewClient(netguard.ClientOptions{Policy: netguard.Policy{AllowPrivate: true}}),
		Schedule: []time.Duration{time.Hour}, AttemptTimeout: 2 * time.Second, Workers: 1, Poll: 100 * time.Millisecond,
		OnResult: b.m.Observe,
	})
	first := b.publish(t, ep)
	d.Start(ctx)
	defer d.Stop(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, err := b.st.EndpointGet(ctx, ep)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Enabled {
			if e.DisabledReason == nil || !strings.Contains(*e.DisabledReason, "410 Gone") {
				t.Fatalf("disabled reason = %v", e.DisabledReason)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("endpoint still enabled after a 410")
		}
		time.Sleep(20 * time.Millisecond)
	}
	got, err := b.st.DeliveryGet(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "failed" || got.FailureReason == nil {
		t.Fatalf("the 410'd delivery: status %s reason %v; want failed with a reason", got.Status, got.FailureReason)
	}
}

// TestHealthAutoDisable: three days without a successful automatic attempt
// while two deliveries exhausted their schedule disables the endpoint; one
// failure, a recent success, or only a manual success do not count the same.
func TestHealthAutoDisable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		failures    int
		success     string // "", "automatic" or "manual": an attempt a day ago
		wantEnabled bool
	}{
		{"two exhausted, no success: disabled", 2, "", false},
		{"one exhausted: kept", 1, "", true},
		{"two exhausted, automatic success yesterday: kept", 2, "automatic", true},
		{"two exhausted, only a manual success: disabled", 2, "manual", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, maintain.Options{DisableAfter: 72 * time.Hour, DisableMinFailures: 2, ScheduleSpan: 8 * time.Hour})
			ep := b.endpoint(t, "http://127.0.0.1:1/x")
			b.exec(t, `UPDATE endpoints SET created_at = now() - interval '10 days' WHERE id = $1`, ep)
			for range tc.failures {
				id := b.publish(t, ep)
				b.exec(t, `WITH dq AS (DELETE FROM delivery_queue WHERE delivery_id = $1)
				           UPDATE deliveries SET status = 'failed', next_attempt_at = NULL,
				           created_at = now() - interval '2 days', completed_at = now() - interval '2 days' WHERE id = $1`, id)
			}
			if tc.success != "" {
				id := b.publish(t, ep)
				b.exec(t, `WITH dq AS (DELETE FROM delivery_queue WHERE delivery_id = $1)
				           UPDATE deliveries SET status = 'succeeded', created_at = now() - interval '1 day' WHERE id = $1`, id)
				b.exec(t, `INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome)
				           VALUES ($1, 1, $2, now() - interval '1 day', 5, 200, 'success')`, id, tc.success)
			}
			if err := b.m.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			e, err := b.st.EndpointGet(context.Background(), ep)
			if err != nil {
				t.Fatal(err)
			}
			if e.Enabled != tc.wantEnabled {
				t.Fatalf("enabled = %v, want %v (reason %v)", e.Enabled, tc.wantEnabled, e.DisabledReason)
			}
			if !e.Enabled && (e.DisabledReason == nil || !strings.Contains(*e.DisabledReason, "3 days")) {
				t.Fatalf("reason = %v", e.DisabledReason)
			}
		})
	}
}
