package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// A recovery retries every failed delivery of a scope in a time range: the
// failed deliveries of one endpoint (the dashboard's "retry the failed
// deliveries since ..." after re-enabling it), or of the admin's filter
// across users. Starting one only marks the deliveries as manually
// requested, a batch per statement; the dispatcher sends them through the
// ordinary queue, where the per-endpoint in-flight cap applies, so a
// recovery of thousands never floods an endpoint. Manual attempts count
// neither for nor against an endpoint's health.

// PrefixRecovery starts every recovery id.
const PrefixRecovery = "rcv_"

// RecoveryBatch is the most deliveries one marking statement touches, so
// no statement holds many row locks for long.
const RecoveryBatch = 1000

// recoveryStale is how long after it was requested a recovery whose
// marking never finished (its process died) counts as fully marked.
const recoveryStale = time.Hour

// RecoveryScope is what a recovery retries.
type RecoveryScope struct {
	// EndpointID is a user's endpoint; when empty, Filter selects across
	// users (an admin's recovery). Filter's Status, Limit and Cursor are
	// ignored: a recovery always takes the retryable failed deliveries.
	EndpointID string
	Filter     AdminFilter
	// From and To bound the deliveries' creation time; a zero From has no
	// lower bound, a zero To is now.
	From time.Time
	To   time.Time
}

// where is the scope's conditions over deliveries d, users u and
// endpoints e, narrowed to what a manual attempt can be queued for now.
func (sc RecoveryScope) where(c *sqlConds) {
	f := sc.Filter
	f.Status = ""
	f.where(c)
	if sc.EndpointID != "" {
		c.add("d.endpoint_id = " + c.arg(sc.EndpointID))
	}
	if !sc.From.IsZero() {
		c.add("d.created_at >= " + c.arg(sc.From))
	}
	c.add("d.created_at <= " + c.arg(sc.To))
	c.conds = append(c.conds, retryable...)
}

// RecoveryCount counts the failed deliveries a recovery of the scope would
// retry now (the dashboard shows it before the user confirms).
func (s *Store) RecoveryCount(ctx context.Context, sc RecoveryScope) (int, error) {
	if sc.To.IsZero() {
		sc.To = s.Now()
	}
	var c sqlConds
	sc.where(&c)
	var n int
	err := s.Pool.QueryRow(ctx, fmt.Sprintf("SELECT count(*) %s %s", adminFrom, c.where()), c.queryArgs()...).Scan(&n)
	if err != nil {
		return 0, wrap("recovery count", err)
	}
	return n, nil
}

// RecoveryStart creates a recovery and marks its deliveries, RecoveryBatch
// per statement (each its own short transaction; rows a worker or another
// statement holds are skipped, not waited for), calling marked after each
// batch so the dispatcher can start on it. It audits the recovery: one
// entry for a user's endpoint, one per owner for an admin's filter, each
// with the count and the range. ErrNothingToRecover when no delivery of
// the scope could be marked.
//
// The marking runs to its end even if ctx is cancelled (a closed browser
// tab), so a recovery is never left half-marked by its requester.
func (s *Store) RecoveryStart(ctx context.Context, a Actor, sc RecoveryScope, marked func()) (db.Recovery, error) {
	ctx = context.WithoutCancel(ctx)
	now := s.Now()
	if sc.To.IsZero() || sc.To.After(now) {
		sc.To = now
	}
	params := db.RecoveryInsertParams{
		ID: webhook.NewID(PrefixRecovery), Actor: a.ID, RemoteAddr: nonEmpty(a.RemoteAddr),
		RangeTo: sc.To, RequestedAt: now, Filter: []byte("{}"),
	}
	if !sc.From.IsZero() {
		params.RangeFrom = &sc.From
	}
	var owner string
	if sc.EndpointID != "" {
		ep, err := s.q.EndpointGet(ctx, sc.EndpointID)
		if err != nil {
			return db.Recovery{}, wrap("recovery start", err)
		}
		owner = ep.UserID
		params.UserID, params.EndpointID = &ep.UserID, &ep.ID
	} else {
		raw, err := json.Marshal(sc.Filter.describe())
		if err != nil {
			return db.Recovery{}, wrap("recovery start", err)
		}
		params.Filter = raw
	}
	rec, err := s.q.RecoveryInsert(ctx, params)
	if err != nil {
		return db.Recovery{}, wrap("recovery start", err)
	}

	total, err := s.recoveryMark(ctx, rec.ID, now, sc, marked)
	if err == nil && total == 0 {
		err = ErrNothingToRecover
	}
	if err != nil {
		// Rows already marked stay requested: they are sent like any retry.
		if total == 0 {
			_ = s.q.RecoveryDelete(ctx, rec.ID)
		}
		return db.Recovery{}, wrap("recovery mark", err)
	}

	details := map[string]any{"to": sc.To}
	if !sc.From.IsZero() {
		details["from"] = sc.From
	}
	err = s.inTx(ctx, func(q *db.Queries) error {
		var err error
		if rec, err = q.RecoveryMarked(ctx, db.RecoveryMarkedParams{ID: rec.ID, Total: int32(total), Now: s.Now()}); err != nil {
			return err
		}
		if owner != "" {
			details["count"], details["endpoint_id"] = total, sc.EndpointID
			return audit(ctx, q, a, owner, "recovery.started", rec.ID, details)
		}
		details["admin"], details["filter"] = true, sc.Filter.describe()
		raw, err := json.Marshal(details)
		if err != nil {
			return err
		}
		return q.AuditInsertRecoveryPerUser(ctx, db.AuditInsertRecoveryPerUserParams{
			Actor: a.ID, RecoveryID: rec.ID, RemoteAddr: nonEmpty(a.RemoteAddr), Details: raw,
		})
	})
	if err != nil {
		return db.Recovery{}, wrap("recovery start", err)
	}
	return rec, nil
}

// recoveryMark marks the scope's deliveries in batches, walking them
// oldest first by keyset on (created_at, id), and records each in
// recovery_deliveries. It returns how many it marked.
func (s *Store) recoveryMark(ctx context.Context, id string, now time.Time, sc RecoveryScope, marked func()) (int, error) {
	afterAt, afterID := time.Time{}, ""
	total := 0
	for {
		c := sqlConds{args: []any{now, id}}
		sc.where(&c)
		if afterID != "" {
			c.add("(d.created_at, d.id) > (" + c.arg(afterAt) + ", " + c.arg(afterID) + ")")
		}
		sql := fmt.Sprintf(`WITH picked AS (
			SELECT d.id, d.endpoint_id, d.created_at, d.event_id, d.status, d.attempt_count,
			       d.auto_attempts, d.next_attempt_at %s %s
			ORDER BY d.created_at, d.id LIMIT %d
			FOR UPDATE OF d SKIP LOCKED
		), upd AS (
			-- As DeliveryRequestManual: none in flight or already requested.
			INSERT INTO delivery_queue AS q (delivery_id, endpoint_id, due_at, manual_requested_at,
			                                  event_id, status, attempt_count, auto_attempts, next_attempt_at)
			SELECT picked.id, picked.endpoint_id, $1, $1,
			       picked.event_id, picked.status, picked.attempt_count, picked.auto_attempts, picked.next_attempt_at
			FROM picked
			ON CONFLICT (delivery_id) DO UPDATE
			SET manual_requested_at = excluded.manual_requested_at, due_at = least(q.due_at, excluded.due_at)
			WHERE q.claim_token IS NULL AND q.manual_requested_at IS NULL
			RETURNING q.delivery_id AS id
		), ins AS (
			INSERT INTO recovery_deliveries (recovery_id, delivery_id) SELECT $2, upd.id FROM upd
		)
		SELECT (SELECT count(*) FROM picked), (SELECT count(*) FROM upd), last.created_at, last.id
		FROM (SELECT created_at, id FROM picked ORDER BY created_at DESC, id DESC LIMIT 1) last`,
			adminFrom, c.where(), RecoveryBatch)
		var picked, n int
		err := s.Pool.QueryRow(ctx, sql, c.queryArgs()...).Scan(&picked, &n, &afterAt, &afterID)
		if errors.Is(err, pgx.ErrNoRows) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		total += n
		if n > 0 && marked != nil {
			marked()
		}
		if picked < RecoveryBatch {
			return total, nil
		}
	}
}

// describe is the filter as the audit log and the recovery keep it.
func (f AdminFilter) describe() map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{"user": f.User, "host": f.Host, "event": f.Event,
		"delivery_id": f.DeliveryID, "recording_id": f.RecordingID, "event_id": f.EventID,
		"delivery_id_prefix": f.IDPrefix, "outcome": f.Outcome, "endpoint_id": f.EndpointID, "exact_host": f.ExactHost} {
		if v != "" {
			m[k] = v
		}
	}
	if f.StatusCode != 0 {
		m["status_code"] = fmt.Sprint(f.StatusCode)
	}
	if !f.Before.IsZero() {
		m["before"] = f.Before.UTC().Format(time.RFC3339)
	}
	return m
}

// Recovery is a recovery and its progress.
type Recovery struct {
	db.Recovery
	// Total is how many deliveries it marked (so far, while marking).
	Total int
	// Retried have had their attempt; Waiting are still requested or in
	// flight; Succeeded ended succeeded.
	Retried, Waiting, Succeeded int
	Done                        bool
}

// RecoveryGet returns a recovery with its progress. The first read that
// finds nothing left to send records the final counts, which later reads
// return as they are.
func (s *Store) RecoveryGet(ctx context.Context, id string) (Recovery, error) {
	rec, err := s.q.RecoveryGet(ctx, id)
	if err != nil {
		return Recovery{}, wrap("recovery get", err)
	}
	return s.recoveryProgress(ctx, rec)
}

// RecoveryLatest returns the newest recovery of an endpoint, with its progress.
func (s *Store) RecoveryLatest(ctx context.Context, endpointID string) (Recovery, error) {
	rec, err := s.q.RecoveryLatestForEndpoint(ctx, &endpointID)
	if err != nil {
		return Recovery{}, wrap("recovery latest", err)
	}
	return s.recoveryProgress(ctx, rec)
}

func (s *Store) recoveryProgress(ctx context.Context, rec db.Recovery) (Recovery, error) {
	if rec.FinishedAt != nil {
		return finished(rec), nil
	}
	p, err := s.q.RecoveryProgress(ctx, rec.ID)
	if err != nil {
		return Recovery{}, wrap("recovery progress", err)
	}
	out := Recovery{Recovery: rec, Total: int(p.Total), Waiting: int(p.Waiting),
		Retried: int(p.Total - p.Waiting), Succeeded: int(p.Succeeded)}
	now := s.Now()
	markingOver := rec.MarkedAt != nil || now.Sub(rec.RequestedAt) > recoveryStale
	if p.Waiting > 0 || !markingOver {
		return out, nil
	}
	done, err := s.q.RecoveryFinish(ctx, db.RecoveryFinishParams{ID: rec.ID, Now: now, Retried: p.Total, Succeeded: p.Succeeded})
	if errors.Is(err, pgx.ErrNoRows) { // another read finished it first
		done, err = s.q.RecoveryGet(ctx, rec.ID)
	}
	if err != nil {
		return Recovery{}, wrap("recovery finish", err)
	}
	return finished(done), nil
}

func finished(rec db.Recovery) Recovery {
	return Recovery{Recovery: rec, Total: int(rec.Retried), Retried: int(rec.Retried),
		Succeeded: int(rec.Succeeded), Done: true}
}

// EndpointFailingSince is when an endpoint started failing: the creation
// time of its oldest failed delivery after its newest successful one.
// ok is false when none failed since.
func (s *Store) EndpointFailingSince(ctx context.Context, endpointID string) (since time.Time, ok bool, err error) {
	t, err := s.q.EndpointFailingSince(ctx, endpointID)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, wrap("endpoint failing since", err)
	}
	return t, true, nil
}
