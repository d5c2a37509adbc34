package store

import (
	"context"
	"encoding/json"

	"github.com/clipcabinet/webhooks/db"
)

// Actor says who did something and from where, for the audit log.
type Actor struct {
	ID         string // a user id, "api" or "system"
	RemoteAddr string
}

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
	return rows, mapErr(err)
}
