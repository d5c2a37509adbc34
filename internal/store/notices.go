package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/jackc/pgx/v5"
)

// Owner notifications (api.md "Owner notifications"). A notice is written
// in the transaction of the change that causes it: the completion of a
// delivery that exhausted its schedule (failing), a success of an endpoint
// that was failing or disabled (recovered), a disable by the service
// (disabled), the maintainer's check (disabling). With mail on
// (Options.Mail) its email is queued in mail_outbox in the same
// statement; see queries/notices.sql for the 24-hour rule.

// Notice is a notice as the user's list shows it.
type Notice = db.Notice

// AdminNotice is a notice with its owner and its email's state.
type AdminNotice = db.NoticeAdminPageRow

// noticeReq is a notice to raise; since is noTime when the endpoint's
// failing_since says it.
type noticeReq struct {
	endpointID, kind, reason string
	since                    time.Time
}

// raise writes notices within q, a transaction that already locked their
// endpoints' rows.
func (s *Store) raise(ctx context.Context, q *db.Queries, reqs []noticeReq) error {
	_, err := s.raiseQuiet(ctx, q, reqs, noticeQuiet)
	return err
}

const (
	// noticeQuiet: at most one notice per endpoint and kind in this time.
	noticeQuiet = 24 * time.Hour
	// remindQuiet is that time for an admin's reminder: a double click,
	// or two admins at once, send one.
	remindQuiet = 10 * time.Minute
)

// raiseQuiet is raise with the time an endpoint's notice of a kind keeps
// another of that kind from being raised; it returns the notices raised.
func (s *Store) raiseQuiet(ctx context.Context, q *db.Queries, reqs []noticeReq, quiet time.Duration) ([]db.NoticeRaiseRow, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	now := s.Now()
	p := db.NoticeRaiseParams{Now: now, QuietSince: now.Add(-quiet), Mail: s.mail}
	for _, r := range reqs {
		p.EndpointIds = append(p.EndpointIds, r.endpointID)
		p.Kinds = append(p.Kinds, r.kind)
		p.Reasons = append(p.Reasons, r.reason)
		p.Since = append(p.Since, r.since)
	}
	return q.NoticeRaise(ctx, p)
}

// notable reports whether a result may change its endpoint's notices: an
// automatic attempt that ended its delivery failed (the schedule is
// used up), or a success of an endpoint the claim saw failing. Any other
// result (the hot path: a success of a healthy endpoint) is recorded by
// the completion statement alone.
func notable(r Result) bool {
	return (!r.Manual && r.Status == webhook.StatusFailed) ||
		(r.Status == webhook.StatusSucceeded && r.EndpointFailing)
}

// noticesAfterCompletion applies the recorded notable results to their
// endpoints within q, the completion's transaction: per endpoint, its
// latest such result decides whether it started failing or recovered.
func (s *Store) noticesAfterCompletion(ctx context.Context, q *db.Queries, rs []Result, recorded []string) error {
	latest := map[string]Result{}
	for _, r := range rs {
		if !notable(r) || !slices.Contains(recorded, r.DeliveryID) {
			continue
		}
		if cur, ok := latest[r.EndpointID]; !ok || r.StartedAt.After(cur.StartedAt) {
			latest[r.EndpointID] = r
		}
	}
	var failed, recovered []string // delivery ids, endpoint ids
	for ep, r := range latest {
		if r.Status == webhook.StatusSucceeded {
			recovered = append(recovered, ep)
		} else {
			failed = append(failed, r.DeliveryID)
		}
	}
	slices.Sort(failed)
	slices.Sort(recovered)
	var reqs []noticeReq
	if len(failed) > 0 {
		started, err := q.EndpointMarkFailing(ctx, failed)
		if err != nil {
			return err
		}
		for _, ep := range started {
			reqs = append(reqs, noticeReq{endpointID: ep, kind: webhook.NoticeFailing, since: noTime,
				reason: fmt.Sprintf("A delivery failed all %d of its automatic attempts.", latest[ep].AutoAttempts)})
		}
	}
	if len(recovered) > 0 {
		rows, err := q.EndpointClearFailing(ctx, recovered)
		if err != nil {
			return err
		}
		for _, row := range rows {
			reason := "A delivery succeeded."
			if c := latest[row.ID].StatusCode; c != 0 {
				reason = fmt.Sprintf("A delivery succeeded: your server answered HTTP %d.", c)
			}
			reqs = append(reqs, noticeReq{endpointID: row.ID, kind: webhook.NoticeRecovered, reason: reason, since: row.FailingSince})
		}
	}
	return s.raise(ctx, q, reqs)
}

// noticeDisabled raises "disabled" for an endpoint the service just
// disabled (within EndpointUpdate's transaction, which holds its row), with
// the reason in words, and keeps it failing until a success.
func (s *Store) noticeDisabled(ctx context.Context, q *db.Queries, id, reason string) error {
	if err := s.markFailing(ctx, q, id); err != nil {
		return err
	}
	return s.raise(ctx, q, []noticeReq{{endpointID: id, kind: webhook.NoticeDisabled, reason: reason, since: noTime}})
}

// markFailing keeps the endpoint failing until a success; when it was not
// failing yet, its trouble began when EndpointFailingSince says (the oldest
// failed delivery after its newest success), else now.
func (s *Store) markFailing(ctx context.Context, q *db.Queries, id string) error {
	since, err := q.EndpointFailingSince(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		since, err = s.Now(), nil
	}
	if err != nil {
		return err
	}
	return q.EndpointSetFailing(ctx, db.EndpointSetFailingParams{ID: id, Since: since})
}

// NoticeWarnDisabling raises "disabling" (will be disabled within 24 hours)
// for those of the endpoints that are still enabled, each at most once per
// 24 hours. reason says why, in words.
func (s *Store) NoticeWarnDisabling(ctx context.Context, ids []string, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(q *db.Queries) error {
		locked, err := q.EndpointLockForNotice(ctx, ids)
		if err != nil {
			return err
		}
		var reqs []noticeReq
		for _, e := range locked {
			if !e.Enabled {
				continue // disabled meanwhile: its "disabled" notice says it
			}
			if err := s.markFailing(ctx, q, e.ID); err != nil {
				return err
			}
			reqs = append(reqs, noticeReq{endpointID: e.ID, kind: webhook.NoticeDisabling, reason: reason, since: noTime})
		}
		return s.raise(ctx, q, reqs)
	})
	return wrap("notice warn disabling", err)
}

// NoticePage is one newest-first page of notices.
type NoticePage[T any] struct {
	Notices    []T
	NextCursor string // empty on the last page
}

// noticePage reads one page of a notice list: the cursor decoded, a row
// more than the page read (read gets the cursor's time and id, nil and 0
// for the first page), the page cut.
func noticePage[T any](op, cursor string, limit int, read func(at *time.Time, id int64, max int32) ([]T, error),
	key func(T) (time.Time, int64)) (NoticePage[T], error) {
	limit = pageLimit(limit)
	var at *time.Time
	var id int64
	if cursor != "" {
		t, raw, err := decodeCursor(cursor)
		if err != nil {
			return NoticePage[T]{}, wrap(op, err)
		}
		if id, err = strconv.ParseInt(raw, 10, 64); err != nil {
			return NoticePage[T]{}, wrap(op, ErrBadCursor)
		}
		at = &t
	}
	rows, err := read(at, id, int32(limit+1))
	if err != nil {
		return NoticePage[T]{}, wrap(op, err)
	}
	var page NoticePage[T]
	page.Notices, page.NextCursor = cutPage(rows, limit, func(n T) (time.Time, string) {
		at, id := key(n)
		return at, strconv.FormatInt(id, 10)
	})
	return page, nil
}

// NoticeList returns a page of the user's notices, newest first.
func (s *Store) NoticeList(ctx context.Context, userID, cursor string, limit int) (NoticePage[Notice], error) {
	return noticePage("notice list", cursor, limit, func(at *time.Time, id int64, max int32) ([]Notice, error) {
		return s.q.NoticePageByUser(ctx, db.NoticePageByUserParams{UserID: userID, BeforeAt: at, BeforeID: id, MaxRows: max})
	}, func(n Notice) (time.Time, int64) { return n.CreatedAt, n.ID })
}

// NoticeUnread counts the user's unread notices.
func (s *Store) NoticeUnread(ctx context.Context, userID string) (int64, error) {
	n, err := s.q.NoticeUnreadCount(ctx, userID)
	return n, wrap("notice unread", err)
}

// NoticeMarkRead marks the user's notices up to id (the newest one shown)
// read, and returns how many it marked.
func (s *Store) NoticeMarkRead(ctx context.Context, userID string, upTo int64) (int64, error) {
	n, err := s.q.NoticeMarkRead(ctx, db.NoticeMarkReadParams{UserID: userID, UpTo: upTo, Now: s.Now()})
	return n, wrap("notice mark read", err)
}

// NoticeAdminList returns a page of every user's notices with their
// email's state; state "" is any (else queued, retrying, sent, failed,
// no_smtp or off).
func (s *Store) NoticeAdminList(ctx context.Context, state, cursor string, limit int) (NoticePage[AdminNotice], error) {
	return noticePage("notice admin list", cursor, limit, func(at *time.Time, id int64, max int32) ([]AdminNotice, error) {
		return s.q.NoticeAdminPage(ctx, db.NoticeAdminPageParams{State: state, BeforeAt: at, BeforeID: id, MaxRows: max})
	}, func(n AdminNotice) (time.Time, int64) { return n.CreatedAt, n.ID })
}

// NoticeOptouts returns the kinds of notice email the user turned off.
func (s *Store) NoticeOptouts(ctx context.Context, userID string) ([]string, error) {
	kinds, err := s.q.NoticeOptoutList(ctx, userID)
	return kinds, wrap("notice optouts", err)
}

// NoticeSetOptouts makes the user's turned-off kinds exactly these (each
// one of webhook.NoticeKinds).
func (s *Store) NoticeSetOptouts(ctx context.Context, userID string, kinds []string) error {
	if kinds == nil {
		kinds = []string{}
	}
	return wrap("notice set optouts", s.q.NoticeOptoutSet(ctx, db.NoticeOptoutSetParams{UserID: userID, Kinds: kinds}))
}

// NoticeOptout turns one kind off (the one-click unsubscribe).
func (s *Store) NoticeOptout(ctx context.Context, userID, kind string) error {
	return wrap("notice optout", s.q.NoticeOptoutAdd(ctx, db.NoticeOptoutAddParams{UserID: userID, Kind: kind}))
}

// NoticeRemind raises again, at an admin's request (Needs attention's
// "Notify the owner again"), the notice of each endpoint that is not
// deleted: "disabled" with its reason for a disabled one, else "failing".
// Instead of the 24-hour rule, none of that kind in the last 10 minutes.
// The owner's email settings still apply. Each reminder raised is in the
// owner's audit log. It returns how many were raised.
func (s *Store) NoticeRemind(ctx context.Context, a Actor, ids []string) (int, error) {
	raised := 0
	err := s.inTx(ctx, func(q *db.Queries) error {
		eps, err := q.EndpointLockForNotice(ctx, ids)
		if err != nil {
			return err
		}
		var reqs []noticeReq
		for _, e := range eps {
			r := noticeReq{endpointID: e.ID, kind: webhook.NoticeFailing, since: noTime,
				reason: "An administrator asked us to tell you again: deliveries to this endpoint are failing."}
			if !e.Enabled {
				r.kind, r.reason = webhook.NoticeDisabled, "An administrator asked us to tell you again: this endpoint is disabled"
				if e.DisabledReason != nil && *e.DisabledReason != "" {
					r.reason += " (" + *e.DisabledReason + ")"
				}
				r.reason += "."
			}
			reqs = append(reqs, r)
		}
		rows, err := s.raiseQuiet(ctx, q, reqs, remindQuiet)
		if err != nil {
			return err
		}
		for _, n := range rows {
			if err := audit(ctx, q, a, n.UserID, "notice.reminded", n.EndpointID, map[string]any{"kind": n.Kind}); err != nil {
				return err
			}
		}
		raised = len(rows)
		return nil
	})
	return raised, wrap("notice remind", err)
}
