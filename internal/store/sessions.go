package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/db"
)

// Sessions is the dashboard's session store for scs (the sessions table,
// as scs's pgxstore keeps it). Its errors go through the store's error
// path like every other call, so a database that does not answer is
// ErrUnavailable here too. Expired rows are deleted by SessionsPrune.
type Sessions struct{ s *Store }

// Sessions returns the store's session store.
func (s *Store) Sessions() Sessions { return Sessions{s} }

// FindCtx returns the session's data; found is false for no session or an
// expired one.
func (ss Sessions) FindCtx(ctx context.Context, token string) (data []byte, found bool, err error) {
	data, err = ss.s.q.SessionFind(ctx, token)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap("session find", err)
	}
	return data, true, nil
}

// CommitCtx writes the session's data and expiry.
func (ss Sessions) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	return wrap("session commit", ss.s.q.SessionCommit(ctx, db.SessionCommitParams{Token: token, Data: data, Expiry: expiry}))
}

// DeleteCtx removes the session.
func (ss Sessions) DeleteCtx(ctx context.Context, token string) error {
	return wrap("session delete", ss.s.q.SessionDelete(ctx, token))
}

// Find, Commit and Delete are scs's context-free forms; scs calls the Ctx
// ones.
func (ss Sessions) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

func (ss Sessions) Commit(token string, data []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, data, expiry)
}

func (ss Sessions) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

// SessionsPrune deletes expired sessions and returns how many.
func (s *Store) SessionsPrune(ctx context.Context) (int64, error) {
	n, err := s.q.SessionDeleteExpired(ctx)
	return n, wrap("sessions prune", err)
}
