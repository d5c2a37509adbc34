package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
)

// TestWarmPoolConnectionsArriveReady: a pool with Warm keeps that many
// connections open, and each has the publish and the dispatcher's
// statements prepared before anything used it, so a burst after idle does
// not parse and plan them on new backends (issue 10). A pool without Warm
// opens connections as they are used, with nothing prepared.
func TestWarmPoolConnectionsArriveReady(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := testdb.NewURL(t)
	hot := []string{"EventPublishBatch", "DeliveryClaimDue", "DeliveryCompleteBatch", "DeliveryRelease"}

	for _, warm := range []int32{0, 3} {
		pool, err := store.Connect(ctx, url, store.PoolOptions{MaxConns: 8, Warm: warm})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for pool.Stat().TotalConns() < max(warm, 1) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := pool.Stat().TotalConns(); got < max(warm, 1) {
			t.Fatalf("warm %d: %d connections open, want at least %d", warm, got, max(warm, 1))
		}
		// Every idle connection, held at once so each is looked at once.
		conns := pool.AcquireAllIdle(ctx)
		if len(conns) == 0 {
			t.Fatalf("warm %d: no idle connection", warm)
		}
		for i, c := range conns {
			rows, err := c.Query(ctx, "SELECT statement FROM pg_prepared_statements")
			if err != nil {
				t.Fatal(err)
			}
			var have []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				have = append(have, s)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			for _, name := range hot {
				found := false
				for _, s := range have {
					found = found || strings.Contains(s, "-- name: "+name+" ")
				}
				if found != (warm > 0) {
					t.Errorf("warm %d, connection %d: %s prepared: %v, want %v", warm, i, name, found, warm > 0)
				}
			}
		}
		for _, c := range conns {
			c.Release()
		}
		pool.Close()
	}
}

// TestPoolConnectionsRunWithoutJIT: the pool's connections never compile
// a statement with PostgreSQL's JIT (see Connect): with stale statistics
// a maintenance statement compiled for 100 ms to do 0.5 ms of work, and
// took 540 ms under load.
func TestPoolConnectionsRunWithoutJIT(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := store.Connect(ctx, testdb.NewURL(t), store.PoolOptions{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var jit string
	if err := pool.QueryRow(ctx, "SHOW jit").Scan(&jit); err != nil || jit != "off" {
		t.Fatalf("jit is %q on the pool's connections, want off (%v)", jit, err)
	}
}
