package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/jackc/pgx/v5"
)

// The queue operations the dispatcher uses. See queries/queue.sql for
// the claim, the fenced completion and the lease rules.

// Claim is one claim request.
type Claim struct {
	Token int64
	Max   int
	Skip  []string // endpoint ids at their in-flight cap
	// Room caps the rows taken per endpoint: RoomEndpoints[i] gets at most
	// RoomCounts[i], any other endpoint at most DefaultRoom.
	RoomEndpoints []string
	RoomCounts    []int32
	DefaultRoom   int
	Now           time.Time
	LeaseUntil    time.Time
}

// Claimed is a delivery a worker now holds.
type Claimed = db.DeliveryClaimDueRow

// QueueClaim takes due deliveries in one short statement (SKIP LOCKED).
//
// The claim, the completion and the release each set synchronous_commit
// to off for their own transaction (set_config(..., true) inside the
// statement, so still one round trip): their commits do not wait for the
// WAL flush. Why this is safe: losing one of these commits in a crash (at
// most the last few hundred milliseconds of them, never a torn one) only
// puts the row back as it was: a lost claim leaves it due (or leased by
// the token that held it), a lost completion leaves it leased, so its lease
// expires, the lost attempt is recorded as interrupted and the delivery is
// attempted again. That is the at-least-once contract, with duplicates only
// for attempts in flight at a crash. The fencing holds because the token
// check runs inside each statement; durability is no part of it. Publishes
// never do this: an accepted publish commits synchronously.
func (s *Store) QueueClaim(ctx context.Context, c Claim) ([]Claimed, error) {
	if c.Skip == nil {
		c.Skip = []string{}
	}
	if c.RoomEndpoints == nil {
		c.RoomEndpoints, c.RoomCounts = []string{}, []int32{}
	}
	if c.DefaultRoom <= 0 {
		c.DefaultRoom = c.Max
	}
	rows, err := s.claims.DeliveryClaimDue(ctx, db.DeliveryClaimDueParams{
		Now: c.Now, SkipEndpoints: c.Skip, MaxRows: int32(c.Max), Token: c.Token, LeaseUntil: c.LeaseUntil,
		// Read twice the rows wanted, so endpoints short of room leave some for the others.
		ScanRows: int32(2 * c.Max), DefaultRoom: int32(c.DefaultRoom),
		RoomEndpoints: c.RoomEndpoints, RoomCounts: c.RoomCounts,
	})
	if err != nil {
		return nil, wrap("claim", err)
	}
	if err := s.recordInterrupted(ctx, c, rows); err != nil {
		// The rows stay leased: when the lease ends they are due again,
		// and the claim that takes them records their attempts then.
		return nil, wrap("claim", err)
	}
	return rows, nil
}

// recordInterrupted records the attempts of the claimed rows whose lease
// had expired (DeliveryRecordInterrupted): each lost attempt takes the next
// number, so the attempt about to be made takes the one after it. Rare (a
// process died with attempts in flight), so the statement is planned with
// its values like the completion's, apart from the claim, which is planned
// once (see claimPlanning).
func (s *Store) recordInterrupted(ctx context.Context, c Claim, rows []Claimed) error {
	var lost []int
	for i := range rows {
		if rows[i].Interrupted {
			lost = append(lost, i)
		}
	}
	if len(lost) == 0 {
		return nil
	}
	p := db.DeliveryRecordInterruptedParams{Token: c.Token, Now: c.Now}
	for _, i := range lost {
		p.Ids = append(p.Ids, rows[i].ID)
		p.StartedAt = append(p.StartedAt, rows[i].InterruptedStartedAt)
		p.Manual = append(p.Manual, rows[i].InterruptedManual)
	}
	if err := s.queue.DeliveryRecordInterrupted(ctx, p); err != nil {
		return err
	}
	for _, i := range lost {
		rows[i].AttemptCount++
	}
	return nil
}

// column is one field of every result, as a statement's array parameter.
func column[T any](rs []Result, field func(*Result) T) []T {
	out := make([]T, len(rs))
	for i := range rs {
		out[i] = field(&rs[i])
	}
	return out
}

// noTime stands for "none" in the batched completion's time arrays.
var noTime = time.Unix(0, 0).UTC()

// Result is one finished attempt and the delivery's next state.
type Result struct {
	DeliveryID string
	EndpointID string // the claimed row's (Claimed.EndpointID); required
	// EndpointFailing is the claim's word that the endpoint was failing or
	// disabled (endpoints.failing_since set): a success then looks for a
	// "recovered" notice. Not written.
	EndpointFailing bool
	Token           int64
	Number          int32
	Manual          bool
	StartedAt       time.Time
	DurationMs      int32
	StatusCode      int32 // 0: no response
	Outcome         string
	Error           string
	ResponseBody    []byte
	Truncated       bool
	Status          string
	AutoAttempts    int32
	NextAttemptAt   *time.Time
	CompletedAt     *time.Time
	// Phases are the attempt's phase timings in ms, -1 where a phase did
	// not happen: DNS, connect, TLS, first byte (see NoPhase).
	Phases [4]int32
	// ResponseHeaders is the JSON object of the response headers as
	// received (at most 8 KiB); nil when there was no response.
	ResponseHeaders []byte
	RemoteAddr      string // the address dialled; "" when none was
}

// NoPhase is a phase timing for a phase that did not happen.
const NoPhase = -1

// QueueComplete records a batch of results in one statement. It returns the
// ids recorded: a result whose claim token no longer matches is dropped.
//
// A batch with a notable result (a delivery that exhausted its schedule,
// a success of an endpoint the claim saw failing) is recorded in a
// transaction with the endpoints' state change and the notices it raises
// (noticesAfterCompletion); any other batch, successes of healthy
// endpoints included, is the one statement it always was.
func (s *Store) QueueComplete(ctx context.Context, rs []Result) ([]string, error) {
	for i := range rs {
		if rs[i].EndpointID == "" {
			return nil, wrap("complete", fmt.Errorf("result for %s has no endpoint", rs[i].DeliveryID))
		}
	}
	// One array per column, each allocated once at its size.
	p := db.DeliveryCompleteBatchParams{
		Ids:             column(rs, func(r *Result) string { return r.DeliveryID }),
		Tokens:          column(rs, func(r *Result) int64 { return r.Token }),
		Numbers:         column(rs, func(r *Result) int32 { return r.Number }),
		Manual:          column(rs, func(r *Result) bool { return r.Manual }),
		StartedAt:       column(rs, func(r *Result) time.Time { return r.StartedAt }),
		DurationMs:      column(rs, func(r *Result) int32 { return r.DurationMs }),
		StatusCodes:     column(rs, func(r *Result) int32 { return r.StatusCode }),
		Outcomes:        column(rs, func(r *Result) string { return r.Outcome }),
		Errors:          column(rs, func(r *Result) string { return r.Error }),
		ResponseBodies:  column(rs, func(r *Result) []byte { return r.ResponseBody }),
		Truncated:       column(rs, func(r *Result) bool { return r.Truncated }),
		Statuses:        column(rs, func(r *Result) string { return r.Status }),
		AutoAttempts:    column(rs, func(r *Result) int32 { return r.AutoAttempts }),
		NextAttemptAt:   column(rs, func(r *Result) time.Time { return orNoTime(r.NextAttemptAt) }),
		CompletedAt:     column(rs, func(r *Result) time.Time { return orNoTime(r.CompletedAt) }),
		DnsMs:           column(rs, func(r *Result) int32 { return r.Phases[0] }),
		ConnectMs:       column(rs, func(r *Result) int32 { return r.Phases[1] }),
		TlsMs:           column(rs, func(r *Result) int32 { return r.Phases[2] }),
		FirstByteMs:     column(rs, func(r *Result) int32 { return r.Phases[3] }),
		ResponseHeaders: column(rs, func(r *Result) []byte { return r.ResponseHeaders }),
		RemoteAddrs:     column(rs, func(r *Result) string { return r.RemoteAddr }),
		EndpointIds:     column(rs, func(r *Result) string { return r.EndpointID }),
	}
	if !slices.ContainsFunc(rs, notable) {
		ids, err := s.queue.DeliveryCompleteBatch(ctx, p)
		if err != nil {
			return nil, wrap("complete", err)
		}
		return ids, nil
	}
	var ids []string
	err := s.tx(ctx, queuePlanning, func(q *db.Queries) error {
		var err error
		if ids, err = q.DeliveryCompleteBatch(ctx, p); err != nil {
			return err
		}
		return s.noticesAfterCompletion(ctx, q, rs, ids)
	})
	if err != nil {
		return nil, wrap("complete", err)
	}
	return ids, nil
}

func orNoTime(t *time.Time) time.Time {
	if t == nil {
		return noTime
	}
	return *t
}

// QueueRelease gives claimed deliveries back without an attempt.
func (s *Store) QueueRelease(ctx context.Context, ids []string, tokens []int64) error {
	err := s.queue.DeliveryRelease(ctx, db.DeliveryReleaseParams{Ids: ids, Tokens: tokens})
	if err != nil {
		return wrap("release", err)
	}
	return nil
}

// QueueNextDue returns when the earliest delivery comes due (nil: none).
func (s *Store) QueueNextDue(ctx context.Context) (*time.Time, error) {
	t, err := s.q.DeliveryNextDue(ctx)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("next due", err)
	}
	return &t, nil
}

// QueueStats is the queue's state, for metrics.
type QueueStats = db.QueueStatsRow

// QueueStats counts due and overdue deliveries and finds the oldest due.
func (s *Store) QueueStats(ctx context.Context) (QueueStats, error) {
	now := s.Now()
	st, err := s.q.QueueStats(ctx, db.QueueStatsParams{Now: now, OverdueBefore: now.Add(-time.Minute)})
	return st, wrap("queue stats", err)
}
