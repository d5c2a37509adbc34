package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

// attentionFixture is a store with users and endpoints whose deliveries
// are written straight into the tables, with creation times in the past.
type attentionFixture struct {
	t  *testing.T
	st *store.Store
	n  int
}

func (f *attentionFixture) endpoint(userID, url string) string {
	f.t.Helper()
	ep, _, err := f.st.EndpointCreate(context.Background(), apiActor, store.NewEndpoint{UserID: userID, URL: url, Events: []string{"comment.added"}, Enabled: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return ep.ID
}

// deliveries adds one delivery of the endpoint per age, in that status,
// created that long ago, with its event; it returns their ids.
func (f *attentionFixture) deliveries(epID, status string, ages ...time.Duration) []string {
	f.t.Helper()
	ctx := context.Background()
	var ids []string
	for _, age := range ages {
		f.n++
		id := fmt.Sprintf("del_att%09d", f.n)
		ids = append(ids, id)
		if _, err := f.st.Pool.Exec(ctx, `
			WITH ev AS (
				INSERT INTO events (id, user_id, type, occurred_at, created_at)
				SELECT 'evt_' || $1, e.user_id, 'comment.added', now() - $3::interval, now() - $3::interval FROM endpoints e WHERE e.id = $2
				RETURNING id, user_id, created_at
			)
			INSERT INTO deliveries (id, event_id, endpoint_id, user_id, event_type, status, attempt_count, auto_attempts, created_at)
			SELECT $1, ev.id, $2, ev.user_id, 'comment.added', $4, 0, 0, ev.created_at FROM ev`,
			id, epID, age, status); err != nil {
			f.t.Fatal(err)
		}
	}
	return ids
}

// attempt records a last attempt of a delivery.
func (f *attentionFixture) attempt(deliveryID, outcome string, code *int32, remote string) {
	f.t.Helper()
	if _, err := f.st.Pool.Exec(context.Background(), `
		WITH a AS (
			INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome, error, remote_addr)
			VALUES ($1, 1, 'automatic', now() - interval '1 minute', 12, $3, $2, 'dial tcp: connect: connection refused', $4)
		)
		UPDATE deliveries SET attempt_count = 1, auto_attempts = 1, last_outcome = $2, last_status_code = $3 WHERE id = $1`,
		deliveryID, outcome, code, remote); err != nil {
		f.t.Fatal(err)
	}
}

func (f *attentionFixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.st.Pool.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatal(err)
	}
}

func minutes(ms ...int) []time.Duration {
	var out []time.Duration
	for _, m := range ms {
		out = append(out, time.Duration(m)*time.Minute)
	}
	return out
}

// TestAttention: which endpoints need attention, when each started
// failing, its failures of the last 24 hours by hour, its last error, the
// order by impact, and the groups by receiving host across users.
func TestAttention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := &attentionFixture{t: t, st: foundationStore(t)}
	for _, u := range []string{"user_att_ann", "user_att_bob"} {
		if _, err := f.st.UserCreate(ctx, store.NewUser{ID: u, Email: u[9:] + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	const shared = "https://Receiver.Example:8443"
	// ann's: succeeded 3 h ago, then three failed (one of them an hour
	// and a bit ago, whose last attempt was refused).
	annShared := f.endpoint("user_att_ann", shared+"/ann")
	f.deliveries(annShared, "succeeded", minutes(180)...)
	annFailed := f.deliveries(annShared, "failed", minutes(150, 100, 70)...)
	f.attempt(annFailed[2], "connection_error", nil, "203.0.113.5:8443")
	// bob's on the same host: never succeeded; one failed, one retrying.
	bobShared := f.endpoint("user_att_bob", "https://receiver.example:8443/bob")
	f.deliveries(bobShared, "failed", minutes(30)...)
	f.deliveries(bobShared, "retrying", minutes(10)...)
	// Three failed too, but failing for longer (the oldest failure after
	// the last success counts, not one before it).
	longer := f.endpoint("user_att_ann", "https://longer.example/hook")
	f.deliveries(longer, "failed", minutes(30*60)...)
	f.deliveries(longer, "succeeded", minutes(400)...)
	f.deliveries(longer, "failed", minutes(300, 200, 20)...)
	// Failing for two days, nothing in the last 24 hours.
	quiet := f.endpoint("user_att_bob", "https://quiet.example/hook")
	f.deliveries(quiet, "failed", minutes(48*60, 47*60)...)
	// Disabled by the service after failing 26 hours ago.
	auto := f.endpoint("user_att_bob", "https://auto.example/hook")
	f.deliveries(auto, "failed", minutes(26*60)...)
	f.exec(`UPDATE endpoints SET enabled = false, disabled_by = 'system', disabled_at = now() - interval '25 hours',
		disabled_reason = 'automatically disabled: no successful delivery for 3 days' WHERE id = $1`, auto)
	// Not listed: recovered (a success after the failures); healthy; its
	// owner paused it without a failure; deleted while failing.
	recovered := f.endpoint("user_att_ann", "https://recovered.example/hook")
	f.deliveries(recovered, "failed", minutes(120, 90)...)
	f.deliveries(recovered, "succeeded", minutes(60)...)
	f.deliveries(recovered, "retrying", minutes(100)...) // older than the success: not failing
	healthy := f.endpoint("user_att_ann", "https://healthy.example/hook")
	f.deliveries(healthy, "succeeded", minutes(60, 30)...)
	paused := f.endpoint("user_att_bob", "https://paused.example/hook")
	f.deliveries(paused, "succeeded", minutes(60)...)
	f.exec(`UPDATE endpoints SET enabled = false, disabled_by = 'user_att_bob', disabled_at = now() WHERE id = $1`, paused)
	deleted := f.endpoint("user_att_bob", "https://deleted.example/hook")
	f.deliveries(deleted, "failed", minutes(10)...)
	if err := f.st.EndpointDelete(ctx, apiActor, deleted); err != nil {
		t.Fatal(err)
	}

	got, err := f.st.Attention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	byID := map[string]store.AttentionEndpoint{}
	for _, e := range got {
		order = append(order, e.ID)
		byID[e.ID] = e
	}
	// Three failures each, the longer failing first; then two; then
	// none in 24 hours, the disabled one first.
	if want := []string{longer, annShared, bobShared, auto, quiet}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v (recovered %s, healthy %s, paused %s, deleted %s must not be listed)",
			order, want, recovered, healthy, paused, deleted)
	}

	now := time.Now()
	for _, tc := range []struct {
		name             string
		id               string
		failed, retrying int
		sinceAgo         time.Duration // when it started failing, about
		failing, enabled bool
		host             string
	}{
		{"failing since the first failure after the success", annShared, 3, 0, 150 * time.Minute, true, true, "receiver.example:8443"},
		{"never succeeded, a retrying delivery counts", bobShared, 2, 1, 30 * time.Minute, true, true, "receiver.example:8443"},
		{"an older failure before a success does not count", longer, 3, 0, 300 * time.Minute, true, true, "longer.example"},
		{"failing for two days, none in 24 hours", quiet, 0, 0, 48 * time.Hour, true, true, "quiet.example"},
		{"disabled by the service", auto, 0, 0, 26 * time.Hour, true, false, "auto.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := byID[tc.id]
			if e.Failed != tc.failed || e.Retrying != tc.retrying {
				t.Errorf("failed %d, retrying %d; want %d, %d", e.Failed, e.Retrying, tc.failed, tc.retrying)
			}
			sum := 0
			for _, n := range e.Hourly {
				sum += n
			}
			if sum != e.Failed {
				t.Errorf("hourly %v adds up to %d, not %d", e.Hourly, sum, e.Failed)
			}
			if ago := now.Sub(e.FailingSince); ago < tc.sinceAgo-time.Minute || ago > tc.sinceAgo+time.Minute {
				t.Errorf("failing since %s ago, want %s", ago, tc.sinceAgo)
			}
			if e.Failing != tc.failing || e.Enabled != tc.enabled || e.Host != tc.host {
				t.Errorf("failing %v, enabled %v, host %q; want %v, %v, %q", e.Failing, e.Enabled, e.Host, tc.failing, tc.enabled, tc.host)
			}
		})
	}
	// The trend puts each failure in its hour, the hour up to now last:
	// 150 min ago is 2 hours back, 100 and 70 minutes 1.
	if h := byID[annShared].Hourly; h[store.AttentionHours-3] != 1 || h[store.AttentionHours-2] != 2 || h[store.AttentionHours-1] != 0 {
		t.Errorf("ann's hourly %v", h)
	}
	// The last error is the newest failure's last attempt.
	if a := byID[annShared].LastAttempt; a == nil || a.Outcome != "connection_error" || a.RemoteAddr == nil || *a.RemoteAddr != "203.0.113.5:8443" {
		t.Errorf("ann's last attempt %+v", a)
	}
	if byID[bobShared].LastAttempt != nil {
		t.Errorf("bob's newest failure had no attempt, got %+v", byID[bobShared].LastAttempt)
	}

	// By host: ann's and bob's endpoints on receiver.example:8443 (spelt
	// with other capitals) are one group of two owners, first by impact.
	hosts := store.AttentionByHost(got)
	var hostOrder []string
	for _, h := range hosts {
		hostOrder = append(hostOrder, h.Host)
	}
	if want := []string{"receiver.example:8443", "longer.example", "auto.example", "quiet.example"}; !slices.Equal(hostOrder, want) {
		t.Fatalf("hosts %v, want %v", hostOrder, want)
	}
	h := hosts[0]
	if len(h.Endpoints) != 2 || h.Failed != 5 || h.Retrying != 1 || h.Disabled != 0 ||
		!slices.Equal(h.Owners, []string{"ann@example.com", "bob@example.com"}) || !h.FailingSince.Equal(byID[annShared].FailingSince) {
		t.Fatalf("shared host group %+v", h)
	}
	if h.Last.ID != annShared {
		t.Errorf("the host's last error is from %s, want the endpoint with the newest attempt %s", h.Last.ID, annShared)
	}

	// A retried failure that succeeds is a success: once all of ann's have,
	// her endpoint is no longer listed.
	f.exec(`UPDATE deliveries SET status = 'succeeded' WHERE endpoint_id = $1`, annShared)
	got, err = f.st.Attention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got {
		if e.ID == annShared {
			t.Fatalf("a recovered endpoint is still listed: %+v", e)
		}
	}
}

// TestAttentionByImpact: the order when counts tie.
func TestAttentionByImpact(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	eps := []store.AttentionEndpoint{
		{ID: "e", Enabled: true, Failed: 1, FailingSince: t0},
		{ID: "d", Enabled: true, Failed: 1, FailingSince: t0},
		{ID: "c", Enabled: true, Failed: 1, FailingSince: t0.Add(-time.Hour)},
		{ID: "b", Enabled: false, Failed: 1, FailingSince: t0},
		{ID: "a", Enabled: true, Failed: 2, FailingSince: t0},
	}
	slices.SortFunc(eps, func(x, y store.AttentionEndpoint) int {
		return store.ByImpact(x.Failed, y.Failed, x.Disabled(), y.Disabled(), x.FailingSince, y.FailingSince, x.ID, y.ID)
	})
	var got []string
	for _, e := range eps {
		got = append(got, e.ID)
	}
	// More failures; then disabled; then failing longer; then by id.
	if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}
