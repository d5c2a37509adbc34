package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
)

// explainedStore is a store over one connection whose every statement's
// executed plan comes back to the test (auto_explain at NOTICE level, as
// JSON): plans() returns those of statements whose text contains name.
func explainedStore(t *testing.T) (*pgxpool.Pool, *store.Store, func(name string) []map[string]any) {
	t.Helper()
	var mu sync.Mutex
	var notices []string
	pool, st := oneConnStore(t, func(cfg *pgxpool.Config) {
		cfg.ConnConfig.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
			mu.Lock()
			notices = append(notices, n.Message)
			mu.Unlock()
		}
		cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; "+
				"SET auto_explain.log_timing = off; SET auto_explain.log_format = json; SET auto_explain.log_level = notice")
			return err
		}
	})
	plans := func(name string) []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		var out []map[string]any
		for _, n := range notices {
			i := strings.IndexByte(n, '{')
			if i < 0 || !strings.Contains(n, name) {
				continue
			}
			var p struct {
				QueryText string         `json:"Query Text"`
				Plan      map[string]any `json:"Plan"`
			}
			if err := json.Unmarshal([]byte(n[i:]), &p); err != nil {
				t.Fatalf("a plan that is not JSON: %v\n%s", err, n)
			}
			if strings.Contains(p.QueryText, name) {
				out = append(out, p.Plan)
			}
		}
		return out
	}
	return pool, st, plans
}

// planSum adds up one figure of every node of an executed plan.
func planSum(node map[string]any, key string) float64 {
	v, _ := node[key].(float64)
	children, _ := node["Plans"].([]any)
	for _, c := range children {
		if m, ok := c.(map[string]any); ok {
			v += planSum(m, key)
		}
	}
	return v
}

// TestCompletionWorkIsLinearWhateverTheStatistics: recording a batch of
// results does work in proportion to the batch, whatever the tables'
// statistics say. Once autovacuum has analyzed the tables while the queue
// was empty (it does, after a drain), PostgreSQL estimated a batch of
// 1,000 results joined to the endpoints at 5 rows and the rows the queue
// writes fenced at 2, and joined the two in a nested loop that compared
// every result with every fenced row: 1,000,000 comparisons, 140 ms of a
// 175 ms completion, and a fan-out after such a vacuum ran at 11,000
// deliveries/s against 15,000 (scripts/profile.sh fanout PRESEED=100000
// VACUUM=1). The plan is read back as it ran (auto_explain): its joins and
// filters together may not throw away more rows than the batch has.
func TestCompletionWorkIsLinearWhateverTheStatistics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, st, plans := explainedStore(t)
	const user, endpoints, batch, history = "user_stats", 20, 1000, 5000
	now := time.Now().UTC()
	// publishAndClaim publishes n events and claims their want deliveries.
	publishAndClaim := func(n, want int) []store.Claimed {
		t.Helper()
		publishMany(t, st, user, n)
		now := time.Now().UTC()
		claimed, err := st.QueueClaim(ctx, store.Claim{Token: 11, Max: batch * 10, Now: now, LeaseUntil: now.Add(time.Minute)})
		if err != nil || len(claimed) != want {
			t.Fatalf("claimed %d of %d: %v", len(claimed), want, err)
		}
		return claimed
	}
	// complete records a first-try success for each claimed row, in batches of batch.
	complete := func(claimed []store.Claimed) {
		t.Helper()
		for len(claimed) > 0 {
			part := claimed[:min(batch, len(claimed))]
			claimed = claimed[len(part):]
			ids, err := st.QueueComplete(ctx, successes(part, 11, now))
			if err != nil || len(ids) != len(part) {
				t.Fatalf("completed %d of %d: %v", len(ids), len(part), err)
			}
		}
	}
	if _, err := st.UserCreate(ctx, store.NewUser{ID: user, Email: user + "@example.com"}); err != nil {
		t.Fatal(err)
	}
	for i := range endpoints {
		if _, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: user,
			URL: fmt.Sprintf("https://93.184.215.14/%d", i), Events: []string{"comment.added"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// As autovacuum leaves them after a drain: analyzed, the queue
			// empty; the user adds endpoints after it.
			complete(publishAndClaim(history, history))
			if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
	}
	complete(publishAndClaim(batch/endpoints, batch))
	ps := plans("-- name: DeliveryCompleteBatch")
	if len(ps) != history/batch+1 {
		t.Fatalf("%d plans of the completion came back, want %d", len(ps), history/batch+1)
	}
	last := ps[len(ps)-1] // the one after the vacuum
	removed := planSum(last, "Rows Removed by Join Filter") + planSum(last, "Rows Removed by Filter")
	if removed > batch {
		t.Errorf("recording %d results, the completion's joins and filters threw away %.0f rows: it compares the batch with itself", batch, removed)
		dumpPlan(t, last, 0)
	}
	var left int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM delivery_queue").Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d rows queued after the completion, want 0 (%v)", left, err)
	}
}

// TestCompletionWorkIsLinearAfterTheQueueWasAnalyzedEmpty: the queue's
// statistics can say it is empty while it holds thousands of rows. A
// drained queue keeps its pages until a VACUUM truncates them, and an
// ANALYZE then (autovacuum's, on a default cluster, whenever enough rows
// changed) or a VACUUM that could not truncate records those pages with no
// live row in them; PostgreSQL then estimates the queue at one row,
// however many it holds by the next completion. A completion must stay
// linear in its batch even so. With hash joins turned off for the completion (tried on
// 2026-12-01, to stop it hashing the whole primary key of a small table),
// PostgreSQL read that one-row queue first and compared every result with
// every queued row: 3,000,000 rows thrown away here. A make bench run with
// it had its fan-out at 318 deliveries/s, with 36 times the usual
// PostgreSQL CPU per delivery and leases that ran out (README, Performance).
func TestCompletionWorkIsLinearAfterTheQueueWasAnalyzedEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, st, plans := explainedStore(t)
	const user, history, queued, batch = "user_empty_stats", 2000, 3000, 1000
	userWithEndpoint(t, st, user)
	publishMany(t, st, user, history)
	if ids, err := st.QueueComplete(ctx, successes(claimNow(t, st, 3, history), 3, time.Now().UTC())); err != nil || len(ids) != history {
		t.Fatalf("completed %d of %d: %v", len(ids), history, err)
	}
	// Emptied, not vacuumed: its pages stay, and ANALYZE finds none of
	// their rows alive.
	if _, err := pool.Exec(ctx, "ANALYZE delivery_queue"); err != nil {
		t.Fatal(err)
	}
	publishMany(t, st, user, queued)
	if ids, err := st.QueueComplete(ctx, successes(claimNow(t, st, 4, batch), 4, time.Now().UTC())); err != nil || len(ids) != batch {
		t.Fatalf("completed %d of %d: %v", len(ids), batch, err)
	}
	ps := plans("-- name: DeliveryCompleteBatch")
	last := ps[len(ps)-1]
	if removed := planSum(last, "Rows Removed by Join Filter") + planSum(last, "Rows Removed by Filter"); removed > batch {
		t.Errorf("recording %d results with %d queued, the completion's joins and filters threw away %.0f rows", batch, queued, removed)
		dumpPlan(t, last, 0)
	}
}

// dumpPlan logs an executed plan's nodes: estimated and actual rows, loops.
func dumpPlan(t *testing.T, n map[string]any, depth int) {
	t.Logf("%s%v %v: estimated %v rows, %v × %v rows, removed by join filter %v", strings.Repeat("  ", depth),
		n["Node Type"], n["Relation Name"], n["Plan Rows"], n["Actual Loops"], n["Actual Rows"], n["Rows Removed by Join Filter"])
	children, _ := n["Plans"].([]any)
	for _, c := range children {
		dumpPlan(t, c.(map[string]any), depth+1)
	}
}

// TestClaimPlanFollowsTheQueueAfterAVacuum: a claim made after a VACUUM
// found the queue empty reads what it claims, not the queue, once
// QueueKeepStats has seen the backlog. The VACUUM records the queue as
// empty; a connection opened after it (the pool grows in a burst) plans
// the claim once, for a one-row queue, and joined its locked rows to the
// queue by reading the whole queue for each: 200,000 rows thrown away
// for a claim of 100 from 2,000, and a fan-out of 60,000 after a vacuum
// ran at 1,455 deliveries/s (scripts/profile.sh fanout PRESEED=100000
// VACUUM=1 IDLE=27). The recount invalidates that plan.
func TestClaimPlanFollowsTheQueueAfterAVacuum(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, st, plans := explainedStore(t)
	const user, history, backlog, claim = "user_vacuumed", 3000, 2000, 100
	userWithEndpoint(t, st, user)
	claimUpTo := func(token int64, max int) []store.Claimed {
		t.Helper()
		now := time.Now().UTC()
		rows, err := st.QueueClaim(ctx, store.Claim{Token: token, Max: max, Now: now, LeaseUntil: now.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	// A history, drained: the queue is empty again.
	publishMany(t, st, user, history)
	done := claimUpTo(1, history)
	if ids, err := st.QueueComplete(ctx, successes(done, 1, time.Now().UTC())); err != nil || len(ids) != history {
		t.Fatalf("completed %d of %d: %v", len(ids), history, err)
	}
	// What autovacuum does next, then a new connection that claims from
	// the empty queue once (its plan is made then) before the backlog.
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		t.Fatal(err)
	}
	pool.Reset()
	if rows := claimUpTo(2, claim); len(rows) != 0 {
		t.Fatalf("claimed %d rows from an empty queue", len(rows))
	}
	publishMany(t, st, user, backlog)

	if analyzed, err := st.QueueKeepStats(ctx); err != nil || !analyzed {
		t.Fatalf("QueueKeepStats with %d rows queued, recorded as none: analyzed %v, %v", backlog, analyzed, err)
	}
	if rows := claimUpTo(3, claim); len(rows) != claim {
		t.Fatalf("claimed %d of %d", len(rows), claim)
	}
	ps := plans("-- name: DeliveryClaimDue")
	last := ps[len(ps)-1]
	// The claim reads twice its size in candidates (QueueClaim) and
	// compares each with the room of the endpoints it was given: nothing
	// in proportion to the queue.
	if removed := planSum(last, "Rows Removed by Join Filter") + planSum(last, "Rows Removed by Filter"); removed > 2*claim {
		t.Errorf("a claim of %d from %d queued rows threw away %.0f rows in its joins and filters: it reads the queue, not what it claims", claim, backlog, removed)
		dumpPlan(t, last, 0)
	}
	// And once recounted, the statistics are left alone.
	if analyzed, err := st.QueueKeepStats(ctx); err != nil || analyzed {
		t.Errorf("QueueKeepStats right after a recount: analyzed %v, %v", analyzed, err)
	}
}

// TestQueueKeepStatsSaysWhenItCannotRecount: PostgreSQL skips the ANALYZE
// of a table the role does not own with a warning only; QueueKeepStats
// notices that the statistics are as wrong as before and says so
// (ErrStatsUnchanged), so the dispatcher does not ANALYZE every second for
// nothing. The table's owner recounts it.
func TestQueueKeepStatsSaysWhenItCannotRecount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testdb.NewURL(t)
	owner, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close)
	role := fmt.Sprintf("clipcabinet_t_role_%d", time.Now().UnixNano())
	for _, sql := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + role,
		// Recorded empty, then a backlog.
		"VACUUM ANALYZE delivery_queue",
		`INSERT INTO delivery_queue (delivery_id, endpoint_id, due_at, event_id, status, attempt_count, auto_attempts)
		 SELECT 'del_' || i, 'ep_x', now(), 'evt_x', 'pending', 0, 0 FROM generate_series(1, 2000) i`,
	} {
		if _, err := owner.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		// The role's privileges, then the role: it is the cluster's, not the database's.
		_, _ = owner.Exec(ctx, "DROP OWNED BY "+role)
		_, _ = owner.Exec(ctx, "DROP ROLE "+role)
	})
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.User = role
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(pool, store.Options{EncryptionKey: testdb.Key})
	if err != nil {
		t.Fatal(err)
	}
	analyzed, err := st.QueueKeepStats(ctx)
	pool.Close()
	if !analyzed || !errors.Is(err, store.ErrStatsUnchanged) {
		t.Errorf("QueueKeepStats as a role that does not own the queue: analyzed %v, %v; want true and ErrStatsUnchanged", analyzed, err)
	}
	ownerStore, err := store.New(owner, store.Options{EncryptionKey: testdb.Key})
	if err != nil {
		t.Fatal(err)
	}
	if analyzed, err := ownerStore.QueueKeepStats(ctx); !analyzed || err != nil {
		t.Errorf("QueueKeepStats as the queue's owner: analyzed %v, %v; want true and no error", analyzed, err)
	}
	if _, err := owner.Exec(ctx, "DELETE FROM delivery_queue"); err != nil {
		t.Fatal(err)
	}
}

// TestPublishAndCompletionReadOnlyTheirOwnUsersAndEndpoints: a publish,
// a claim and a completion look up their users and endpoints by key,
// however many others the database holds. A publish statement's rows come
// from arrays, which PostgreSQL estimates at 1,000 rows whatever they
// hold (generate_subscripts) or at their length (unnest); against
// analyzed tables of thousands of users it hashed the whole users and
// endpoints tables to check the few of a batch: a sequential scan of each
// per publish statement (with 5,000 to about 60,000 users, 30-58 ms for
// 2 events in psql, against 0.1 ms by the key).
func TestPublishAndCompletionReadOnlyTheirOwnUsersAndEndpoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, st := oneConnStore(t, nil)
	const user, others, events = "user_publisher", 20000, 1000
	userWithEndpoint(t, st, user)
	// Other customers, each with an endpoint like the publisher's.
	for _, sql := range []string{
		`INSERT INTO users (id, email) SELECT 'user_other_' || i, 'other' || i || '@example.com' FROM generate_series(1, ` + fmt.Sprint(others) + `) i`,
		`INSERT INTO endpoints (id, user_id, url, events, secret_encrypted)
		 SELECT 'ep_other_' || u.id, u.id, e.url, e.events, e.secret_encrypted
		 FROM users u CROSS JOIN (SELECT * FROM endpoints LIMIT 1) e WHERE u.id <> '` + user + `'`,
		"ANALYZE users", "ANALYZE endpoints",
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	tables := []string{"users", "endpoints"}
	read := func() (n []int64) {
		for _, table := range tables {
			n = append(n, seqRead(t, pool, table))
		}
		return n
	}
	before := read()
	publishMany(t, st, user, events)
	claimed := claimNow(t, st, 5, events)
	if ids, err := st.QueueComplete(ctx, successes(claimed, 5, time.Now().UTC())); err != nil || len(ids) != events {
		t.Fatalf("completed %d of %d: %v", len(ids), events, err)
	}
	for i, n := range read() {
		if n > before[i] {
			t.Errorf("publishing, claiming and completing %d deliveries of one user read %d rows of %s sequentially (%d stored)",
				events, n-before[i], tables[i], others+1)
		}
	}
}
