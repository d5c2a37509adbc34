package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
)

// seedFailed inserts n failed deliveries of one event for an endpoint,
// created one second apart going back from now (the newest a second ago).
func seedFailed(t *testing.T, st *store.Store, userID, endpointID, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Pool.Exec(ctx, `INSERT INTO events (id, user_id, type, occurred_at) VALUES ($1, $2, 'comment.added', now())`,
		"evt_"+prefix, userID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `
		INSERT INTO deliveries (id, event_id, endpoint_id, user_id, event_type, status, attempt_count, auto_attempts, created_at, completed_at)
		SELECT 'del_' || $1 || lpad(i::text, 8, '0'), $2, $3, $4, 'comment.added', 'failed', 3, 3,
		       now() - make_interval(secs => i), now()
		FROM generate_series(1, $5::integer) i`, prefix, "evt_"+prefix, endpointID, userID, n); err != nil {
		t.Fatal(err)
	}
}

// TestRecoveryMarksInBatches: a recovery of more than one batch marks every
// retryable failed delivery of the range exactly once (keyset batches),
// skips what it must, records one audit entry, and its progress follows
// the deliveries until it freezes the final counts.
func TestRecoveryMarksInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_rec", Email: "rec@example.com"}); err != nil {
		t.Fatal(err)
	}
	ep, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_rec", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2*store.RecoveryBatch + 500
	seedFailed(t, st, "user_rec", ep.ID, "a", n)
	// Not for a recovery: one in flight, one already requested, one that
	// succeeded; and the range leaves out the oldest 100.
	if _, err := st.Pool.Exec(ctx, `INSERT INTO delivery_queue (delivery_id, endpoint_id, due_at, claim_token, claimed_at,
		                            event_id, status, attempt_count, auto_attempts, next_attempt_at)
		SELECT id, endpoint_id, now() + interval '1 minute', 7, now(),
		       event_id, status, attempt_count, auto_attempts, next_attempt_at FROM deliveries WHERE id = 'del_a00000001'`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `INSERT INTO delivery_queue (delivery_id, endpoint_id, due_at, manual_requested_at,
		                            event_id, status, attempt_count, auto_attempts, next_attempt_at)
		SELECT id, endpoint_id, now(), now(), event_id, status, attempt_count, auto_attempts, next_attempt_at FROM deliveries WHERE id = 'del_a00000002'`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `UPDATE deliveries SET status = 'succeeded' WHERE id = 'del_a00000003'`); err != nil {
		t.Fatal(err)
	}
	from := st.Now().Add(-time.Duration(n-100) * time.Second).Add(-500 * time.Millisecond)
	sc := store.RecoveryScope{EndpointID: ep.ID, From: from}
	want := n - 100 - 3

	count, err := st.RecoveryCount(ctx, sc)
	if err != nil || count != want {
		t.Fatalf("count %d, %v; want %d", count, err, want)
	}
	batches := 0
	rec, err := st.RecoveryStart(ctx, store.Actor{ID: "user_rec", RemoteAddr: "192.0.2.7"}, sc, func() { batches++ })
	if err != nil {
		t.Fatal(err)
	}
	if rec.Total != int32(want) || batches != 3 || rec.MarkedAt == nil {
		t.Fatalf("recovery total %d in %d batches (marked %v); want %d in 3", rec.Total, batches, rec.MarkedAt, want)
	}
	var marked, linked, wrong int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE q.manual_requested_at = $1 AND q.due_at = $1),
			count(*) FILTER (WHERE d.id IN (SELECT delivery_id FROM recovery_deliveries WHERE recovery_id = $2)),
			count(*) FILTER (WHERE d.id IN ('del_a00000001', 'del_a00000003') AND q.manual_requested_at IS NOT NULL)
		FROM deliveries d LEFT JOIN delivery_queue q ON q.delivery_id = d.id`, rec.RequestedAt, rec.ID).Scan(&marked, &linked, &wrong); err != nil {
		t.Fatal(err)
	}
	if marked != want || linked != want || wrong != 0 {
		t.Fatalf("marked %d, linked %d, wrongly marked %d; want %d, %d, 0", marked, linked, wrong, want, want)
	}
	entries, _ := st.AuditList(ctx, "user_rec", 10)
	if len(entries) == 0 || entries[0].Action != "recovery.started" || *entries[0].TargetID != rec.ID || *entries[0].RemoteAddr != "192.0.2.7" {
		t.Fatalf("audit %+v", entries)
	}
	var details map[string]any
	_ = json.Unmarshal(entries[0].Details, &details)
	if details["count"] != float64(want) || details["from"] == nil || details["to"] == nil {
		t.Fatalf("audit details %v", details)
	}

	// Progress: nothing sent yet; then 1,000 sent (600 succeed); then all.
	p, err := st.RecoveryGet(ctx, rec.ID)
	if err != nil || p.Total != want || p.Retried != 0 || p.Done {
		t.Fatalf("progress %+v, %v", p, err)
	}
	if _, err := st.Pool.Exec(ctx, `WITH x AS (
			SELECT delivery_id, row_number() OVER (ORDER BY delivery_id) AS n FROM recovery_deliveries WHERE recovery_id = $1 LIMIT 1000
		), dq AS (DELETE FROM delivery_queue q USING x WHERE q.delivery_id = x.delivery_id)
		UPDATE deliveries d SET status = CASE WHEN x.n <= 600 THEN 'succeeded' ELSE 'failed' END
		FROM x WHERE d.id = x.delivery_id`, rec.ID); err != nil {
		t.Fatal(err)
	}
	if p, _ = st.RecoveryGet(ctx, rec.ID); p.Retried != 1000 || p.Succeeded != 600 || p.Done {
		t.Fatalf("progress %+v", p)
	}
	if _, err := st.Pool.Exec(ctx, `DELETE FROM delivery_queue WHERE delivery_id IN (SELECT delivery_id FROM recovery_deliveries WHERE recovery_id = $1)`, rec.ID); err != nil {
		t.Fatal(err)
	}
	if p, _ = st.RecoveryGet(ctx, rec.ID); !p.Done || p.Retried != want || p.Succeeded != 600 || p.FinishedAt == nil {
		t.Fatalf("final progress %+v", p)
	}
	// Frozen: a later success of one of them does not change the recovery's counts.
	if _, err := st.Pool.Exec(ctx, `UPDATE deliveries SET status = 'succeeded' WHERE id IN (SELECT delivery_id FROM recovery_deliveries WHERE recovery_id = $1)`, rec.ID); err != nil {
		t.Fatal(err)
	}
	if p, _ = st.RecoveryGet(ctx, rec.ID); p.Succeeded != 600 {
		t.Fatalf("finished recovery changed: %+v", p)
	}
	if latest, err := st.RecoveryLatest(ctx, ep.ID); err != nil || latest.ID != rec.ID {
		t.Fatalf("latest %+v %v", latest, err)
	}

	// Nothing left in the range: no recovery is made.
	if _, err := st.RecoveryStart(ctx, apiActor, store.RecoveryScope{EndpointID: ep.ID, From: st.Now().Add(-time.Minute)}, nil); !errors.Is(err, store.ErrNothingToRecover) {
		t.Fatalf("empty recovery: %v", err)
	}
	var recoveries int
	_ = st.Pool.QueryRow(ctx, `SELECT count(*) FROM recoveries`).Scan(&recoveries)
	if recoveries != 1 {
		t.Fatalf("%d recoveries, want 1", recoveries)
	}
}

// TestAdminRecoveryAcrossUsers: an admin's recovery takes the filter's
// failed deliveries of every user, skips disabled endpoints, and audits
// one entry per owner with that owner's count.
func TestAdminRecoveryAcrossUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	for _, id := range []string{"user_a", "user_b"} {
		if _, err := st.UserCreate(ctx, store.NewUser{ID: id, Email: id + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(user, url string) string {
		ep, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: user, URL: url, Events: []string{"comment.added"}, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		return ep.ID
	}
	a, b, other, off := mk("user_a", "https://hooks.shop.example/a"), mk("user_b", "https://hooks.shop.example/b"),
		mk("user_b", "https://elsewhere.example/"), mk("user_a", "https://hooks.shop.example/off")
	seedFailed(t, st, "user_a", a, "a", 5)
	seedFailed(t, st, "user_b", b, "b", 3)
	seedFailed(t, st, "user_b", other, "c", 4)
	seedFailed(t, st, "user_a", off, "d", 2)
	no := false
	if _, err := st.EndpointUpdate(ctx, apiActor, off, store.EndpointPatch{Enabled: &no}); err != nil {
		t.Fatal(err)
	}
	sc := store.RecoveryScope{Filter: store.AdminFilter{Host: "shop.example"}}
	if n, err := st.RecoveryCount(ctx, sc); err != nil || n != 8 {
		t.Fatalf("count %d %v, want 8", n, err)
	}
	rec, err := st.RecoveryStart(ctx, store.Actor{ID: "user_admin", RemoteAddr: "198.51.100.1"}, sc, nil)
	if err != nil || rec.Total != 8 || rec.UserID != nil || rec.EndpointID != nil {
		t.Fatalf("recovery %+v %v", rec, err)
	}
	for user, want := range map[string]float64{"user_a": 5, "user_b": 3} {
		entries, _ := st.AuditList(ctx, user, 10)
		var got []float64
		for _, e := range entries {
			if e.Action == "recovery.started" {
				var d map[string]any
				_ = json.Unmarshal(e.Details, &d)
				got = append(got, d["count"].(float64))
				if d["admin"] != true || e.Actor != "user_admin" {
					t.Fatalf("%s: entry %s", user, e.Details)
				}
			}
		}
		if len(got) != 1 || got[0] != want {
			t.Fatalf("%s: recovery entries with counts %v, want one of %v", user, got, want)
		}
	}
}

// TestEndpointDisableRecordsWhenAndWho: disabling records when and by whom
// (the maintainer is "system"); enabling clears both and starts the
// health window afresh.
func TestEndpointDisableRecordsWhenAndWho(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_d", Email: "d@example.com"}); err != nil {
		t.Fatal(err)
	}
	ep, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_d", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	off, on := false, true
	got, err := st.EndpointUpdate(ctx, store.Actor{ID: "system"}, ep.ID, store.EndpointPatch{Enabled: &off, DisabledReason: "automatically disabled: gone"})
	if err != nil || got.DisabledAt == nil || got.DisabledBy == nil || *got.DisabledBy != "system" || got.EnabledAt != nil {
		t.Fatalf("disabled: %+v %v", got, err)
	}
	// Another change keeps them.
	desc := "x"
	if got, err = st.EndpointUpdate(ctx, apiActor, ep.ID, store.EndpointPatch{Description: &desc}); err != nil || got.DisabledAt == nil || *got.DisabledBy != "system" {
		t.Fatalf("edited: %+v %v", got, err)
	}
	got, err = st.EndpointUpdate(ctx, apiActor, ep.ID, store.EndpointPatch{Enabled: &on})
	if err != nil || got.DisabledAt != nil || got.DisabledBy != nil || got.DisabledReason != nil || got.EnabledAt == nil {
		t.Fatalf("enabled: %+v %v", got, err)
	}
}
