package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
)

// TestClaimAfterIdleReadsOnlyWhatItClaims is the regression test for the
// stall after idle (issue 10). An idle dispatcher claims from an empty
// queue once a second; PostgreSQL switches a prepared statement to a
// generic plan after five runs, and the generic plan made while the tables
// were empty joined the claimed rows to deliveries by a sequential scan per
// row. When traffic came, each claim read the whole deliveries table once
// per row it took (150–400 ms a claim at a few thousand rows, worse as the
// table grew) while every worker sat free.
//
// The test does what the server did: one connection (the plan cache is a
// connection's), ten claims on an empty queue, then a backlog, then one
// claim. It counts the deliveries rows PostgreSQL read by sequential scan
// during that claim (pg_stat_user_tables, flushed on the connection itself):
// a claim that reads by index reads none; the old plan read 100 × 2,000.
// Autovacuum is off for the test's tables so that no ANALYZE replans the
// statement in the middle (which would hide the bug by chance).
func TestClaimAfterIdleReadsOnlyWhatItClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, st := oneEndpointStore(t, "user_idle")
	for _, table := range []string{"deliveries", "delivery_queue", "payloads", "endpoints", "events", "attempts"} {
		if _, err := pool.Exec(ctx, "ALTER TABLE "+table+" SET (autovacuum_enabled = off)"); err != nil {
			t.Fatal(err)
		}
	}
	claim := func() []store.Claimed {
		t.Helper()
		now := time.Now().UTC()
		rows, err := st.QueueClaim(ctx, store.Claim{Token: 7, Max: 100, Now: now, LeaseUntil: now.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	for range 10 { // the idle server's polls
		if rows := claim(); len(rows) != 0 {
			t.Fatalf("claimed %d rows from an empty queue", len(rows))
		}
	}

	const backlog = 2000
	publishMany(t, st, "user_idle", backlog)

	before := seqRead(t, pool, "deliveries")
	readBefore := rowsRead(t, pool)
	rows := claim()
	read := seqRead(t, pool, "deliveries") - before
	all := rowsRead(t, pool) - readBefore
	if len(rows) != 100 {
		t.Fatalf("claimed %d rows of a %d backlog, want 100", len(rows), backlog)
	}
	if read >= backlog {
		t.Fatalf("the claim of %d rows read %d deliveries rows by sequential scan (the table holds %d): it is planned for an empty table", len(rows), read, backlog)
	}
	// The claim is planned once, while the tables were empty (00016: it
	// reads the queue, endpoints and events by key only), and that plan
	// reads what it claims, not the backlog: ~6 rows per claimed row (the
	// window of candidates, the locked and updated queue rows, endpoint
	// and event), nothing like the 2,000 of a scan.
	var generic, custom int64
	if err := pool.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '-- name: DeliveryClaimDue %'`).Scan(&generic, &custom); err != nil {
		t.Fatal(err)
	}
	if generic != 11 || custom != 0 {
		t.Errorf("of 11 claims, %d ran the connection's generic plan and %d were planned with their values; want all generic", generic, custom)
	}
	t.Logf("the claim of %d rows read %d rows", len(rows), all)
	if all > 8*int64(len(rows)) {
		t.Errorf("the claim of %d rows read %d rows of all tables (the backlog is %d): it is planned for an empty table", len(rows), all, backlog)
	}
}

// rowsRead is how many rows the database's tables gave their scans:
// read by sequential scans and fetched through indexes.
func rowsRead(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	return tableStat(t, pool, "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::bigint FROM pg_stat_user_tables")
}

// oneEndpointStore is a store on a new database over one connection (so
// the statistics read after a statement are its own), with a user of
// that id and one endpoint of it.
func oneEndpointStore(t *testing.T, userID string) (*pgxpool.Pool, *store.Store) {
	t.Helper()
	pool, st := oneConnStore(t, nil)
	userWithEndpoint(t, st, userID)
	return pool, st
}

// userWithEndpoint creates the user and one enabled endpoint of theirs
// for comment.added.
func userWithEndpoint(t *testing.T, st *store.Store, userID string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.UserCreate(ctx, store.NewUser{ID: userID, Email: userID + "@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: userID, URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
}

// oneConnStore is a store on a new database over a pool of one
// connection, configured further by configure when it is not nil.
func oneConnStore(t *testing.T, configure func(*pgxpool.Config)) (*pgxpool.Pool, *store.Store) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testdb.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	if configure != nil {
		configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st, err := store.New(pool, store.Options{EncryptionKey: testdb.Key})
	if err != nil {
		t.Fatal(err)
	}
	return pool, st
}

// successes is a first-try success (200, 12 ms) for each claimed row,
// under the claim's token.
func successes(claimed []store.Claimed, token int64, now time.Time) []store.Result {
	results := make([]store.Result, len(claimed))
	for i, c := range claimed {
		results[i] = store.Result{DeliveryID: c.ID, EndpointID: c.EndpointID, Token: token, Number: 1, StartedAt: now, DurationMs: 12,
			StatusCode: 200, Outcome: "success", Status: "succeeded", AutoAttempts: 1, CompletedAt: &now,
			Phases: [4]int32{store.NoPhase, store.NoPhase, store.NoPhase, store.NoPhase}}
	}
	return results
}

// claimNow claims up to want due rows with the token, leased for a
// minute, and fails the test unless it took exactly want.
func claimNow(t *testing.T, st *store.Store, token int64, want int) []store.Claimed {
	t.Helper()
	now := time.Now().UTC()
	claimed, err := st.QueueClaim(context.Background(), store.Claim{Token: token, Max: want, Now: now, LeaseUntil: now.Add(time.Minute)})
	if err != nil || len(claimed) != want {
		t.Fatalf("claimed %d of %d: %v", len(claimed), want, err)
	}
	return claimed
}

// seqRead is how many rows sequential scans have read of the table.
func seqRead(t *testing.T, pool *pgxpool.Pool, table string) int64 {
	t.Helper()
	return tableStat(t, pool, "SELECT coalesce(seq_tup_read, 0) FROM pg_stat_user_tables WHERE relname = $1", table)
}

// tableStat reads one number of pg_stat_user_tables after the pool's
// connection flushed its counters: they reach the view when it goes idle
// after the flush request (forced, not after the usual 1 s).
func tableStat(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "SELECT pg_stat_force_next_flush()"); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCompletionReadsOnlyWhatItCompletes: recording a batch of results
// reads the queue rows it completes by key, whatever the queue holds. It
// used to join the batch to the queue for the rows' endpoints, and with a
// few thousand rows queued PostgreSQL hashed the batch and read the whole
// queue for it, a sequential scan per completion (70 % of PostgreSQL's
// time in a drain of 20,000, growing with the backlog).
func TestCompletionReadsOnlyWhatItCompletes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, st := oneEndpointStore(t, "user_backlog")
	const backlog, batch = 5000, 200
	publishMany(t, st, "user_backlog", backlog)
	if _, err := pool.Exec(ctx, "ANALYZE delivery_queue"); err != nil {
		t.Fatal(err)
	}
	results := successes(claimNow(t, st, 9, batch), 9, time.Now().UTC())
	before := seqRead(t, pool, "delivery_queue")
	ids, err := st.QueueComplete(ctx, results)
	read := seqRead(t, pool, "delivery_queue") - before
	if err != nil || len(ids) != batch {
		t.Fatalf("completed %d of %d: %v", len(ids), batch, err)
	}
	if read >= batch {
		t.Fatalf("completing %d results read %d queue rows by sequential scan (the queue holds %d)", batch, read, backlog)
	}
	var left int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM delivery_queue").Scan(&left); err != nil || left != backlog-batch {
		t.Fatalf("%d rows queued after the completion, want %d (%v)", left, backlog-batch, err)
	}
}

// publishMany publishes n comment.added events for the user at once
// (concurrent publishes share a statement: the store's publisher).
func publishMany(tb testing.TB, st *store.Store, userID string, n int) {
	tb.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			data := json.RawMessage(fmt.Sprintf(`{"userId":%q,"recordingId":"rec_%d","commentId":"c","text":"t"}`, userID, i))
			if _, err := st.Publish(context.Background(), store.Publish{Event: "comment.added", UserID: userID, Data: data, OccurredAt: time.Now()}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}

// TestClaimTakesLapsedLeases: rows whose lease expired (their process died
// mid-attempt) are due again. A claim takes them within the room it was
// given, after the rows due before them, and records each lost attempt as
// interrupted; the lost attempt's own result, if it still comes, is fenced
// out.
func TestClaimTakesLapsedLeases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, st := oneEndpointStore(t, "user_lapsed")
	publishMany(t, st, "user_lapsed", 6)
	t0 := time.Now().UTC()
	lost, err := st.QueueClaim(ctx, store.Claim{Token: 1, Max: 3, Now: t0, LeaseUntil: t0.Add(time.Minute)})
	if err != nil || len(lost) != 3 {
		t.Fatalf("first claim: %d rows, %v", len(lost), err)
	}

	// Two minutes on, the three leases have expired. Room for four: the
	// three never claimed, and one of the lapsed, its attempt interrupted.
	t1 := t0.Add(2 * time.Minute)
	got, err := st.QueueClaim(ctx, store.Claim{Token: 2, Max: 10, DefaultRoom: 4, Now: t1, LeaseUntil: t1.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	lostIDs := map[string]bool{}
	for _, c := range lost {
		lostIDs[c.ID] = true
	}
	var fresh, again int
	for _, c := range got {
		switch {
		case !lostIDs[c.ID] && !c.Interrupted && c.AttemptCount == 0:
			fresh++
		case lostIDs[c.ID] && c.Interrupted && c.AttemptCount == 1:
			again++
		default:
			t.Errorf("claimed %s: interrupted %v, attempts %d", c.ID, c.Interrupted, c.AttemptCount)
		}
	}
	if fresh != 3 || again != 1 {
		t.Fatalf("second claim took %d never claimed and %d lapsed rows, want 3 and 1 (room 4)", fresh, again)
	}
	// The other two lapsed rows, for the next claim.
	rest, err := st.QueueClaim(ctx, store.Claim{Token: 3, Max: 10, Now: t1, LeaseUntil: t1.Add(time.Minute)})
	if err != nil || len(rest) != 2 {
		t.Fatalf("third claim: %d rows, %v; want the other 2 lapsed", len(rest), err)
	}
	for _, c := range rest {
		if !lostIDs[c.ID] || !c.Interrupted || c.AttemptCount != 1 {
			t.Errorf("third claim took %s: interrupted %v, %d attempts", c.ID, c.Interrupted, c.AttemptCount)
		}
	}
	var interrupted int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM attempts WHERE outcome = 'interrupted' AND number = 1 AND delivery_id = ANY($1)`,
		slices.Collect(maps.Keys(lostIDs))).Scan(&interrupted); err != nil || interrupted != 3 {
		t.Fatalf("%d interrupted attempts recorded, want 3 (%v)", interrupted, err)
	}

	// The first claim's results come late: fenced out, nothing recorded.
	done := t1
	ids, err := st.QueueComplete(ctx, []store.Result{{
		DeliveryID: lost[0].ID, EndpointID: lost[0].EndpointID, Token: 1, Number: 1, StartedAt: t0, DurationMs: 5, StatusCode: 200,
		Outcome: "success", Status: "succeeded", AutoAttempts: 1, CompletedAt: &done,
		Phases: [4]int32{store.NoPhase, store.NoPhase, store.NoPhase, store.NoPhase},
	}})
	if err != nil || len(ids) != 0 {
		t.Fatalf("a lapsed lease's result recorded %v (%v), want none", ids, err)
	}
}
