package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/db"
)

// The email outbox internal/mail sends (queries/mail_outbox.sql): claimed
// with FOR UPDATE SKIP LOCKED and a lease, like the delivery queue, so
// several processes share it and a crashed one's emails are due again when
// its lease ends.

// MailItem is a claimed email: the outbox row and its notice.
type MailItem = db.MailClaimRow

// MailClaim takes up to max due emails for this process until leaseUntil.
func (s *Store) MailClaim(ctx context.Context, token int64, max int, leaseUntil time.Time) ([]MailItem, error) {
	rows, err := s.q.MailClaim(ctx, db.MailClaimParams{Token: token, LeaseUntil: leaseUntil, Now: s.Now(), MaxRows: int32(max)})
	return rows, wrap("mail claim", err)
}

// MailSent records that the server accepted the email. false: the lease
// had expired and another process holds it now.
func (s *Store) MailSent(ctx context.Context, id, token int64) (bool, error) {
	n, err := s.q.MailSent(ctx, db.MailSentParams{ID: id, Token: token, Now: s.Now()})
	return n == 1, wrap("mail sent", err)
}

// MailFailed records a failed try: the email is due again at next, or,
// with giveUp, failed for good.
func (s *Store) MailFailed(ctx context.Context, id, token int64, errText string, next time.Time, giveUp bool) error {
	_, err := s.q.MailFailed(ctx, db.MailFailedParams{ID: id, Token: token, Error: errText, DueAt: next, GiveUp: giveUp})
	return wrap("mail failed", err)
}

// MailNextDue returns when the earliest unsent email comes due (nil: none).
func (s *Store) MailNextDue(ctx context.Context) (*time.Time, error) {
	t, err := s.q.MailNextDue(ctx)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("mail next due", err)
	}
	return &t, nil
}
