package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/clipcabinet/webhooks/db"
)

// Actor says who did something and from where, for the audit log.
type Actor struct {
	ID         string // a user id, ActorAPI or ActorSystem
	RemoteAddr string
}

// The actors that are not users.
const (
	ActorAPI    = "api"    // a call with the API token
	ActorSystem = "system" // the service itself (the maintainer's auto-disable)
)

// audit writes one audit entry within q (a transaction, or the pool).
func audit(ctx context.Context, q *db.Queries, a Actor, userID, action, targetID string, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return err
	}
	return q.AuditInsert(ctx, db.AuditInsertParams{
		UserID: &userID, Actor: a.ID, Action: action, TargetID: &targetID,
		RemoteAddr: nonEmpty(a.RemoteAddr), Details: raw,
	})
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// AuditList returns the newest audit entries of a user.
func (s *Store) AuditList(ctx context.Context, userID string, limit int32) ([]db.AuditLog, error) {
	rows, err := s.q.AuditListByUser(ctx, db.AuditListByUserParams{UserID: &userID, Limit: limit})
	return rows, wrap("audit list", err)
}

// AuditEntry is an audit entry with what the audit pages show beside it:
// the actor's and the owner's emails, and the endpoint the target is or
// belongs to.
type AuditEntry = db.AuditPageByUserRow

// AuditFilter selects audit entries for a page; empty fields do not filter.
type AuditFilter struct {
	UserID string // only entries about this user's resources (a user's own page)
	Who    string // a user id, or part of an email, as the owner or the actor (the admin's page)
	Action string
	Limit  int
	Cursor string // from a previous page's NextCursor
}

// AuditPage is one newest-first page of audit entries.
type AuditPage struct {
	Entries    []AuditEntry
	NextCursor string // empty on the last page
}

// AuditEntries returns audit entries newest first, keyset paged on
// (created_at, id). With UserID set it reads that user's entries only.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter) (AuditPage, error) {
	limit := pageLimit(f.Limit)
	var beforeAt *time.Time
	var beforeID int64
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return AuditPage{}, wrap("audit page", err)
		}
		if beforeID, err = strconv.ParseInt(id, 10, 64); err != nil {
			return AuditPage{}, wrap("audit page", ErrBadCursor)
		}
		beforeAt = &at
	}
	var rows []AuditEntry
	if f.UserID != "" {
		list, err := s.q.AuditPageByUser(ctx, db.AuditPageByUserParams{
			UserID: f.UserID, BeforeAt: beforeAt, BeforeID: beforeID, MaxRows: int32(limit + 1),
		})
		if err != nil {
			return AuditPage{}, wrap("audit page", err)
		}
		rows = list
	} else {
		list, err := s.q.AuditPageAll(ctx, db.AuditPageAllParams{
			Who: f.Who, Action: f.Action, BeforeAt: beforeAt, BeforeID: beforeID, MaxRows: int32(limit + 1),
		})
		if err != nil {
			return AuditPage{}, wrap("audit page", err)
		}
		for _, r := range list {
			rows = append(rows, AuditEntry(r))
		}
	}
	var page AuditPage
	page.Entries, page.NextCursor = cutPage(rows, limit, func(e AuditEntry) (time.Time, string) {
		return e.CreatedAt, strconv.FormatInt(e.ID, 10)
	})
	return page, nil
}
