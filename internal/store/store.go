// Package store is the service's data layer: the pgx pool, the one
// transaction helper, and the domain operations over the sqlc queries in db/.
// Callers never see pgx errors: a missing row is ErrNotFound and a unique
// violation is ErrConflict.
package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/db"
)

// Store holds the pool and the key that seals signing secrets.
type Store struct {
	Pool *pgxpool.Pool
	q    *db.Queries
	// queue runs the dispatcher's statements planned with their values
	// every time, claims the claim, planned once per connection (see
	// planned).
	queue  *db.Queries
	claims *db.Queries
	aead   cipher.AEAD // nil when no key is configured (commands that never touch secrets)
	now    func() time.Time
	mail   bool // notices queue their email (Options.Mail)

	stopMu    sync.Mutex
	stopHooks []func(endpointID string)

	pub     *publisher                    // combines concurrent publishes (publisher.go)
	handoff atomic.Pointer[handoffHolder] // where publishes hand their deliveries (handoff.go)
	hints   targetHints                   // delivery ids to offer a user's next event (publish.go)

	bounds atomic.Pointer[[]int32] // the health histogram's bounds, once read (health.go)
}

// OnEndpointStopped registers fn, called after an endpoint of this process
// was disabled or deleted and its unfinished deliveries were ended. The
// dispatcher uses it to drop rows it claimed for that endpoint but has not
// started.
func (s *Store) OnEndpointStopped(fn func(endpointID string)) {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	s.stopHooks = append(s.stopHooks, fn)
}

func (s *Store) endpointStopped(id string) {
	s.stopMu.Lock()
	hooks := s.stopHooks
	s.stopMu.Unlock()
	for _, fn := range hooks {
		fn(id)
	}
}

// Options configures New.
type Options struct {
	// EncryptionKey is the 32-byte AES-256 key for signing secrets at rest.
	EncryptionKey []byte
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Mail queues each notice's email in mail_outbox (SMTP is configured);
	// without it notices are kept for the dashboard only.
	Mail bool
}

// New wraps a pool.
func New(pool *pgxpool.Pool, o Options) (*Store, error) {
	s := &Store{Pool: pool, q: db.New(pool), queue: db.New(planned{pool, queuePlanning}),
		claims: db.New(planned{pool, claimPlanning}), now: o.Now, mail: o.Mail}
	s.pub = &publisher{s: s}
	if s.now == nil {
		s.now = time.Now
	}
	if o.EncryptionKey != nil {
		if len(o.EncryptionKey) != 32 {
			return nil, wrap("encryption key", fmt.Errorf("%d bytes, want 32 (AES-256)", len(o.EncryptionKey)))
		}
		block, err := aes.NewCipher(o.EncryptionKey)
		if err != nil {
			return nil, wrap("encryption key", err)
		}
		if s.aead, err = cipher.NewGCM(block); err != nil {
			return nil, wrap("encryption key", err)
		}
	}
	return s, nil
}

// Now is the store's clock, in UTC truncated to microseconds as PostgreSQL keeps it.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// WithTx runs fn in a transaction, committing when it returns nil. The
// rollback runs even if ctx was cancelled.
func (s *Store) WithTx(ctx context.Context, fn func(q *db.Queries) error) error {
	return wrap("transaction", s.inTx(ctx, fn))
}

// inTx is WithTx for the store's own operations, which wrap its error
// with their name.
func (s *Store) inTx(ctx context.Context, fn func(q *db.Queries) error) error {
	return s.tx(ctx, "", fn)
}

// tx runs fn in a transaction that first runs setup, when given (a
// set_config local to the transaction).
func (s *Store) tx(ctx context.Context, setup string, fn func(q *db.Queries) error) error {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if setup != "" {
		if _, err := tx.Exec(ctx, setup); err != nil {
			return err
		}
	}
	if err := fn(s.q.WithTx(tx)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// planned runs each statement after its setup (a set_config local to its
// transaction), in one round trip: the queue statements after
// queuePlanning, the claim after claimPlanning.
//
// queuePlanning: each statement planned with the values it is given,
// every time, and by key: in one round trip, queuePlanning sets, for the
// implicit transaction that the statement runs in (a pipeline up to its
// Sync is one), plan_cache_mode to force_custom_plan and turns off
// sequential scans and merge joins (hash joins stay on: off, the joins
// between a statement's own CTEs became nested loops over CTE scans, 92 ms
// a completion); the statement stays a named prepared statement, parsed
// once per connection.
//
// The dispatcher's statements need both. PostgreSQL plans a prepared
// statement generically after five runs, and the generic plan is made for
// the tables as they are at that moment. An idle dispatcher claims from an
// empty queue once a second, so by the time traffic came its claim was
// planned for empty tables: it joined each claimed row to deliveries by a
// sequential scan, 150-400 ms a claim at a few thousand deliveries and
// worse as they grew, and kept that plan for the connection's life (issue
// 10: "a stall after idle"). A generic plan made while the queue is empty
// (autovacuum truncates it after a drain) scans the whole queue per claim
// under the next backlog. Planning each claim, completion and release with
// its values costs 0.7-1 ms; an unnamed statement (pgx's CacheDescribe
// mode), the first fix, also parsed it every time, another ~0.5 ms.
//
// Planned with their values, they still read the whole queue: a batch of
// 100-200 results joined to a queue of a few thousand rows or more is
// cheapest to cost as a hash join over a sequential scan of the queue,
// and the completion did that (70 % of PostgreSQL's time in a drain of
// 20,000, and growing with the backlog, since each batch read all of it).
// Every row these statements touch is found by a key (a queue, delivery,
// payload or endpoint id) or by the queue's due index, so nested loops
// over index scans are right at any size; the planner is told so
// (TestCompletionReadsOnlyWhatItCompletes).
//
// claimPlanning: the claim is planned once per connection (a generic
// plan), since it reads only the queue row, its endpoint and its event
// (00016_queue_facts.sql): tables whose rows it finds by primary key or by
// the queue's due index, with no other index that could stand in for
// those. With sequential and bitmap scans, merge and hash joins off, the
// plan made for empty tables is the plan for any size: index scans by
// key in nested loops (TestClaimAfterIdleReadsOnlyWhatItClaims plans it
// on empty tables and claims from 2,000 rows). Planning each claim cost
// ~1.1 ms (1.7 ms under load) of its ~2.4 ms: a fifth of PostgreSQL's time
// at 1,000 events/s, when a claim of ~10 rows comes every 10 ms.
type planned struct {
	pool  batchSender
	setup string
}

// batchSender is a pool or one connection.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// queuePlanning and claimPlanning are run before each queue statement and
// each claim (see planned).
const (
	queuePlanning = "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), " +
		"set_config('enable_seqscan', 'off', true), set_config('enable_mergejoin', 'off', true)"
	claimPlanning = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), " +
		"set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true), " +
		"set_config('enable_mergejoin', 'off', true), set_config('enable_hashjoin', 'off', true)"
)

func (c planned) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(c.setup)
	b.Queue(sql, args...)
	br := c.pool.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, err
	}
	return br, nil
}

func (c planned) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := c.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (c planned) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := c.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (c planned) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		return errRow{err}
	}
	return (*batchRow)(rows.(*batchRows))
}

// batchRows are a statement's rows in a batch; closing them ends the batch
// and gives the connection back.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.Rows.Err()
	if err := r.br.Close(); r.err == nil {
		r.err = err
	}
}

func (r *batchRows) Err() error {
	if r.closed {
		return r.err
	}
	return r.Rows.Err()
}

// batchRow is QueryRow's one row: Scan reads it and closes the batch.
type batchRow batchRows

func (r *batchRow) Scan(dest ...any) error {
	rows := (*batchRows)(r)
	defer rows.Close()
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
