package store_test

import (
	"context"
	"encoding/json"
	"fmt"
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
	cfg, err := pgxpool.ParseConfig(testdb.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, table := range []string{"deliveries", "delivery_queue", "payloads", "endpoints", "events", "attempts"} {
		if _, err := pool.Exec(ctx, "ALTER TABLE "+table+" SET (autovacuum_enabled = off)"); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.New(pool, store.Options{EncryptionKey: testdb.Key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_idle", Email: "idle@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_idle", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true}); err != nil {
		t.Fatal(err)
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

	seqRead := func() int64 {
		t.Helper()
		// The connection's counters reach pg_stat_user_tables when it goes
		// idle after this statement (forced, not after the usual 1 s).
		if _, err := pool.Exec(ctx, "SELECT pg_stat_force_next_flush()"); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := pool.QueryRow(ctx, "SELECT coalesce(seq_tup_read, 0) FROM pg_stat_user_tables WHERE relname = 'deliveries'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := seqRead()
	rows := claim()
	read := seqRead() - before
	if len(rows) != 100 {
		t.Fatalf("claimed %d rows of a %d backlog, want 100", len(rows), backlog)
	}
	if read >= backlog {
		t.Fatalf("the claim of %d rows read %d deliveries rows by sequential scan (the table holds %d): it is planned for an empty table", len(rows), read, backlog)
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
