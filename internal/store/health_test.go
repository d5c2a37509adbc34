package store_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

// healthAttempt is one attempt the health test records through the
// dispatcher's completion statement.
type healthAttempt struct {
	endpoint string
	at       time.Time
	outcome  string
	code     int32
	ms       int32
	err      string
}

// TestEndpointHealthSeries records attempts at known times, outcomes and
// durations through the dispatcher's own statements (QueueComplete in two
// batches, and an interrupted attempt found by a later claim), then reads
// the hourly and daily series: counts, success rate, failures by kind,
// latency percentiles, hours with no attempt, the window's edges, and
// another endpoint's attempts kept apart. Last, the rollup the statements
// kept is compared with one rebuilt from attempts.
func TestEndpointHealthSeries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	var eps [2]string
	for i, u := range []string{"user_health_a", "user_health_b"} {
		if _, err := st.UserCreate(ctx, store.NewUser{ID: u, Email: u + "@example.com"}); err != nil {
			t.Fatal(err)
		}
		ep, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: u, URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		eps[i] = ep.ID
	}
	a, b := eps[0], eps[1]
	publish := func(user string) {
		t.Helper()
		data := json.RawMessage(`{"userId":"` + user + `","recordingId":"rec_1","commentId":"c","text":"t"}`)
		if _, err := st.Publish(ctx, store.Publish{Event: "comment.added", UserID: user, Data: data, OccurredAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}

	// now is a half hour into an hour a few hours ahead, so that the claims
	// below (at the wall clock, or at times in that hour) find the
	// deliveries due.
	now := time.Now().UTC().Truncate(time.Hour).Add(3*time.Hour + 30*time.Minute)
	h0 := now.Truncate(time.Hour)
	hour := func(back int) time.Time { return h0.Add(-time.Duration(back) * time.Hour) }
	refused := "dial tcp 127.0.0.1:9: connect: connection refused"
	first := []healthAttempt{
		{a, hour(0).Add(1 * time.Minute), "success", 200, 40, ""},
		{a, hour(0).Add(2 * time.Minute), "success", 200, 48, ""},
		{a, hour(0).Add(3 * time.Minute), "http_error", 503, 100, "HTTP 503"},
		{a, hour(0).Add(4 * time.Minute), "http_error", 404, 50, "HTTP 404"},
		{a, hour(0).Add(5 * time.Minute), "timeout", 0, 15000, "no complete answer"},
		{a, hour(0).Add(6 * time.Minute), "connection_error", 0, 1, refused},
		{a, hour(3).Add(10 * time.Minute), "http_error", 500, 200, "HTTP 500"},
		{a, hour(3).Add(50 * time.Minute), "http_error", 500, 200, "HTTP 500"},
		{a, hour(23), "success", 200, 30, ""},                       // the first hour of the 24
		{a, hour(24).Add(59 * time.Minute), "success", 200, 30, ""}, // just before: days only
		{a, now.AddDate(0, 0, -3), "success", 200, 7, ""},
		{a, now.AddDate(0, 0, -40), "success", 200, 7, ""}, // before both windows
		{b, hour(0).Add(1 * time.Minute), "http_error", 502, 900, "HTTP 502"},
	}
	second := []healthAttempt{ // a later batch adds to rows the first made
		{a, hour(0).Add(20 * time.Minute), "success", 200, 45, ""},
		{a, hour(0).Add(21 * time.Minute), "success", 200, 45, ""},
	}
	var token int64
	record := func(batch []healthAttempt) {
		t.Helper()
		for _, at := range batch {
			publish(map[string]string{a: "user_health_a", b: "user_health_b"}[at.endpoint])
		}
		token++
		wall := time.Now().UTC()
		claimed, err := st.QueueClaim(ctx, store.Claim{Token: token, Max: 100, Now: wall, LeaseUntil: wall.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		var results []store.Result
		for _, at := range batch {
			i := slices.IndexFunc(claimed, func(c store.Claimed) bool { return c.EndpointID == at.endpoint })
			if i < 0 {
				t.Fatalf("no claimed delivery left for %s", at.endpoint)
			}
			c := claimed[i]
			claimed = slices.Delete(claimed, i, i+1)
			status := "failed"
			if at.outcome == "success" {
				status = "succeeded"
			}
			done := at.at.Add(time.Duration(at.ms) * time.Millisecond)
			results = append(results, store.Result{
				DeliveryID: c.ID, EndpointID: c.EndpointID, Token: token, Number: 1, StartedAt: at.at, DurationMs: at.ms, StatusCode: at.code,
				Outcome: at.outcome, Error: at.err, Status: status, AutoAttempts: 1, CompletedAt: &done,
				Phases: [4]int32{store.NoPhase, store.NoPhase, store.NoPhase, store.NoPhase},
			})
		}
		if len(claimed) != 0 {
			t.Fatalf("%d claimed deliveries left over", len(claimed))
		}
		ids, err := st.QueueComplete(ctx, results)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != len(results) {
			t.Fatalf("recorded %d of %d results", len(ids), len(results))
		}
	}
	record(first)
	record(second)

	// A lost attempt: claimed at h0+5m with a lease to h0+6m, found expired
	// by a claim at h0+7m, which records it as interrupted (2 minutes).
	publish("user_health_a")
	for i, at := range []time.Time{hour(0).Add(5 * time.Minute), hour(0).Add(7 * time.Minute)} {
		rows, err := st.QueueClaim(ctx, store.Claim{Token: 100 + int64(i), Max: 10, Now: at, LeaseUntil: at.Add(time.Minute)})
		if err != nil || len(rows) != 1 {
			t.Fatalf("claim %d: %d rows, %v", i, len(rows), err)
		}
		if interrupted := rows[0].Interrupted; interrupted != (i == 1) {
			t.Fatalf("claim %d: interrupted %v", i, interrupted)
		}
	}

	h, err := st.EndpointHealth(ctx, a, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Hours) != store.HealthHours || len(h.Days) != store.HealthDays {
		t.Fatalf("%d hours and %d days, want %d and %d", len(h.Hours), len(h.Days), store.HealthHours, store.HealthDays)
	}
	for i, s := range h.Hours {
		if want := hour(store.HealthHours - 1 - i); !s.Start.Equal(want) {
			t.Fatalf("hour %d starts %s, want %s", i, s.Start, want)
		}
	}
	if today := h.Days[store.HealthDays-1].Start; !today.Equal(now.Truncate(24 * time.Hour)) {
		t.Fatalf("the last day starts %s, want %s", today, now.Truncate(24*time.Hour))
	}

	type want struct {
		attempts, succeeded, answered int
		failures                      []store.KindCount
		p50, p95                      float64 // ms, when answered > 0
	}
	check := func(name string, s store.HealthSlot, w want) {
		t.Helper()
		if s.Attempts != w.attempts || s.Succeeded != w.succeeded || s.Answered != w.answered {
			t.Errorf("%s: %d attempts, %d succeeded, %d answered; want %d, %d, %d", name, s.Attempts, s.Succeeded, s.Answered, w.attempts, w.succeeded, w.answered)
		}
		if !slices.Equal(s.Failures, w.failures) {
			t.Errorf("%s: failures %v, want %v", name, s.Failures, w.failures)
		}
		if w.answered > 0 && (math.Abs(s.P50-w.p50) > 1e-9 || math.Abs(s.P95-w.p95) > 1e-9) {
			t.Errorf("%s: p50 %.3f p95 %.3f, want %.3f and %.3f", name, s.P50, s.P95, w.p50, w.p95)
		}
	}
	// The current hour: 4 successes (40, 48, 45, 45 ms: bucket 40-50), a
	// 404 (50 ms: 50-70) and a 503 (100 ms: 100-120) answered; a timeout,
	// a refused connection and the interrupted attempt did not. p50 is the
	// 3rd of 6 answers: 40 + 10 × 3/4; p95 the 5.7th: 100 + 20 × 0.7.
	check("this hour", h.Hours[23], want{attempts: 9, succeeded: 4, answered: 6,
		failures: []store.KindCount{{Kind: "http_5xx", N: 1}, {Kind: "http_4xx", N: 1}, {Kind: "timeout", N: 1},
			{Kind: "refused", N: 1}, {Kind: "interrupted", N: 1}},
		p50: 47.5, p95: 114})
	// No attempt at all: told apart from a 0 % hour by Attempts.
	for _, back := range []int{1, 2} {
		check("an hour without attempts", h.Hours[23-back], want{})
	}
	// Every attempt failed: 0 %, with a latency (two 500s of 200 ms, in
	// bucket 200-250: 200 + 50 × 1/2 and 200 + 50 × 1.9/2).
	check("an hour of 500s", h.Hours[20], want{attempts: 2, answered: 2,
		failures: []store.KindCount{{Kind: "http_5xx", N: 2}}, p50: 225, p95: 247.5})
	check("the first hour", h.Hours[0], want{attempts: 1, succeeded: 1, answered: 1, p50: 35, p95: 39.5})
	check("24 hours", h.HoursTotal, want{attempts: 12, succeeded: 5, answered: 9,
		failures: []store.KindCount{{Kind: "http_5xx", N: 3}, {Kind: "http_4xx", N: 1}, {Kind: "timeout", N: 1},
			{Kind: "refused", N: 1}, {Kind: "interrupted", N: 1}},
		// 9 answers: 30 (30-40), 40 48 45 45 (40-50), 50 (50-70), 100, 200 200.
		// p50 is the 4.5th: 40 + 10 × 3.5/4; p95 the 8.55th: 200 + 50 × 1.55/2.
		p50: 48.75, p95: 238.75})

	// Days: each attempt in its UTC day; the one 40 days ago in none.
	day := func(t time.Time) int {
		return store.HealthDays - 1 - int(now.Truncate(24*time.Hour).Sub(t.Truncate(24*time.Hour))/(24*time.Hour))
	}
	perDay := make([]int, store.HealthDays)
	for _, at := range append(append(slices.Clone(first), second...), healthAttempt{endpoint: a, at: hour(0)}) {
		if at.endpoint == a && day(at.at) >= 0 {
			perDay[day(at.at)]++
		}
	}
	for i, s := range h.Days {
		if s.Attempts != perDay[i] {
			t.Errorf("day %d (%s): %d attempts, want %d", i, s.Start.Format(time.DateOnly), s.Attempts, perDay[i])
		}
	}
	check("3 days ago", h.Days[day(now.AddDate(0, 0, -3))], want{attempts: 1, succeeded: 1, answered: 1, p50: 8.5, p95: 9.85})
	if h.DaysTotal.Attempts != 14 || h.DaysTotal.Succeeded != 7 {
		t.Errorf("30 days: %d attempts, %d succeeded; want 14 and 7", h.DaysTotal.Attempts, h.DaysTotal.Succeeded)
	}

	// The endpoints list's sparklines: one statement for both endpoints.
	hourly, err := st.EndpointsHourly(ctx, []string{a, b, "ep_none"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := hourly[a][23]; got.Attempts != 9 || got.Succeeded != 4 || !got.Start.Equal(h0) {
		t.Errorf("sparkline of %s, this hour: %+v", a, got)
	}
	if got := hourly[a][20]; got.Attempts != 2 || got.Succeeded != 0 {
		t.Errorf("sparkline of %s, the hour of 500s: %+v", a, got)
	}
	if got := hourly[b][23]; got.Attempts != 1 || got.Succeeded != 0 {
		t.Errorf("sparkline of %s, this hour: %+v", b, got)
	}
	if len(hourly["ep_none"]) != store.HealthHours || hourly["ep_none"][23].Attempts != 0 {
		t.Errorf("an endpoint without attempts: %+v", hourly["ep_none"])
	}

	// What the statements kept is what the attempts say.
	kept := healthRows(t, st)
	if _, err := st.Pool.Exec(ctx, "TRUNCATE endpoint_health"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RebuildHealth(ctx, now.AddDate(0, 0, -100)); err != nil {
		t.Fatal(err)
	}
	if rebuilt := healthRows(t, st); !slices.Equal(kept, rebuilt) {
		t.Errorf("the rollup kept by the dispatcher's statements:\n%v\nrebuilt from attempts:\n%v", kept, rebuilt)
	}

	// Retention forgets whole hours before the cutoff.
	n, err := st.PruneHealth(ctx, now.AddDate(0, 0, -30), 500)
	if err != nil || n != 1 {
		t.Fatalf("pruned %d rows (%v), want the one 40 days ago", n, err)
	}
}

func healthRows(t *testing.T, st *store.Store) []string {
	t.Helper()
	var rows []string
	if err := st.Pool.QueryRow(context.Background(), `
		SELECT coalesce(array_agg(endpoint_id || ' ' || hour::text || ' ' || kind || ' ' || bucket || ' ' || n
		                          ORDER BY endpoint_id, hour, kind, bucket), '{}')
		FROM endpoint_health`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("the rollup is empty")
	}
	return rows
}
