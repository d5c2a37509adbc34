package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/db"
)

// PoolOptions size a pool.
type PoolOptions struct {
	// MaxConns is the pool's size; pgx's default when 0.
	MaxConns int32
	// Warm is how many connections the pool keeps open at all times (its
	// MinConns); every connection it opens is readied for the hot path
	// first (warmConn). 0: connections open on demand, as they are used.
	Warm int32
}

// Connect opens a pool and checks that the database answers.
func Connect(ctx context.Context, url string, o PoolOptions) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, wrap("DATABASE_URL", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	cfg.AfterConnect = noJIT
	if o.Warm > 0 {
		cfg.MinConns = min(o.Warm, cfg.MaxConns)
		cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
			if err := noJIT(ctx, conn); err != nil {
				return err
			}
			return warmConn(ctx, conn)
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap("connect", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, wrap("connect", err)
	}
	return pool, nil
}

// noJIT turns PostgreSQL's JIT compilation off for the connection. Every
// statement here reads a few rows by key or by a LIMIT, and PostgreSQL
// decides to compile by estimated cost alone: with statistics that do not
// know a table's rows (a cluster without autovacuum, a table grown since
// its last ANALYZE) the estimates of the maintenance statements pass
// jit_above_cost, and the compile dwarfs the work. The event-body prune,
// run every minute, took 97-111 ms with JIT against 0.54-0.56 ms without
// (EXPLAIN ANALYZE after 30,000 events, alternating), and 540 ms under
// load (auto_explain, in the middle of a paced 2,000/s run). A SET, not a
// startup parameter, so a pooler in front of PostgreSQL (PgBouncer
// refuses startup parameters it does not know) passes it through.
func noJIT(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, "SET jit = off", pgx.QueryExecModeSimpleProtocol)
	return err
}

// warmConn readies a new connection before the pool hands it out: the
// publish, claim, completion and release statements run once with
// nothing to do, so the connection has them prepared (pgx's statement
// cache) and its backend has parsed them, read the catalog of every table
// and index they touch and planned them once.
//
// Why (issue 10, "after idle"): a burst after 30 s idle met a pool of one
// or two connections. The pool opened more in the burst's first
// milliseconds (the publish flusher, the claimer, the completer and the
// NOTIFY each want one at once), and on a new backend the first publish
// or claim took 20-60 ms to parse and plan instead of ~1-3: publishes
// queued behind them for ~400 ms (p50 85 ms, max 158 ms over the first
// half second; a few ms after it), which was most of the scenario's p99.
// With Warm connections kept open and readied when opened, a burst finds
// them ready; connections the pool replaces later (MaxConnLifetime) are
// readied too, by the health check that opens them, not by a request.
//
// Best effort: before the schema exists (serve before its migration)
// the statements fail and nothing is kept, and the connection is used as
// it is. Only a connection that did not survive the warm-up is refused.
func warmConn(ctx context.Context, conn *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	now := time.Now()
	none := []string{}
	_, _ = db.New(conn).EventPublishBatch(ctx, db.EventPublishBatchParams{
		IDBases: []int32{}, IDCounts: []int32{}, EventIds: none, UserIds: none, Types: none,
		RecordingIds: none, OccurredAt: []time.Time{}, EndpointIds: none,
		BodyHeads: [][]byte{}, BodyTails: [][]byte{}, DeliveryIds: none, Now: now,
	})
	_, _ = db.New(planned{conn, claimPlanning}).DeliveryClaimDue(ctx, db.DeliveryClaimDueParams{
		Now: now, LeaseUntil: now, SkipEndpoints: none, RoomEndpoints: none, RoomCounts: []int32{},
	})
	q := db.New(planned{conn, queuePlanning})
	_, _ = q.DeliveryCompleteBatch(ctx, db.DeliveryCompleteBatchParams{
		Ids: none, Tokens: []int64{}, Numbers: []int32{}, Manual: []bool{}, StartedAt: []time.Time{},
		DurationMs: []int32{}, StatusCodes: []int32{}, Outcomes: none, Errors: none,
		ResponseBodies: [][]byte{}, Truncated: []bool{}, Statuses: none, AutoAttempts: []int32{},
		NextAttemptAt: []time.Time{}, CompletedAt: []time.Time{}, DnsMs: []int32{}, ConnectMs: []int32{},
		TlsMs: []int32{}, FirstByteMs: []int32{}, ResponseHeaders: [][]byte{}, RemoteAddrs: none, EndpointIds: none,
	})
	_ = q.DeliveryRelease(ctx, db.DeliveryReleaseParams{Ids: none, Tokens: []int64{}})
	if conn.IsClosed() {
		return errors.New("store: the connection closed while it was readied")
	}
	return nil
}
