package store

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Every error a store function returns is one of these (test it with
// errors.Is), a *Conflict, or an error of its own making, all prefixed
// "store: <operation>: " by wrap. Callers never see a pgx error.
var (
	// ErrNotFound: no such row, or not the caller's.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique key is taken, or the row is in a state that forbids the change.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the database cannot be reached right now (a 503, not a 500).
	ErrUnavailable = errors.New("database unavailable")
	// ErrBadCursor: the cursor was not made by a list of this store (page.go).
	ErrBadCursor = errors.New("cursor is not valid")
	// ErrIdempotencyMismatch: a publish reused an idempotency key with another request.
	ErrIdempotencyMismatch = fmt.Errorf("%w: idempotency key reused with a different request", ErrConflict)
	// ErrSecretNotStandard: Standard Webhooks was asked for on an endpoint
	// whose active secret is of the form made before this release.
	ErrSecretNotStandard = errors.New("the endpoint's secret is of the older form, which Standard Webhooks libraries cannot use; rotate the secret first")
	// ErrStatsUnchanged: the queue's statistics were as wrong after its
	// ANALYZE (QueueKeepStats), which PostgreSQL skips with a warning only
	// for a table the connecting role does not own.
	ErrStatsUnchanged = errors.New("the queue's statistics are unchanged after ANALYZE: does the role own delivery_queue?")
	// ErrNoPendingSecret: the endpoint has no rotation pending.
	ErrNoPendingSecret = errors.New("no pending secret")
	// ErrNothingToRecover: a recovery found no failed delivery to retry.
	ErrNothingToRecover = errors.New("no failed delivery to retry")
	// ErrWrongKey: the encryption key cannot open the stored signing secrets.
	ErrWrongKey = errors.New("the encryption key cannot open the stored signing secrets")

	// errNoKey: the store was made without an encryption key (commands
	// that never touch secrets) and was asked to seal or open one.
	errNoKey = errors.New("no encryption key configured")
)

// Conflict is an ErrConflict with a sentence for the user.
type Conflict struct{ Msg string }

func (c *Conflict) Error() string        { return c.Msg }
func (c *Conflict) Is(target error) bool { return target == ErrConflict }

// opError is an error that went through wrap: the operation it failed in,
// and the store's error for it.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return "store: " + e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// wrap is every store function's way out for an error: nil stays nil, an
// error that already went through wrap (from an inner call) is returned as
// it is, and any other is interpreted (pgx's errors become the store's) and
// prefixed with the operation: "store: endpoint update: not found".
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var done *opError
	if errors.As(err, &done) {
		return err
	}
	return &opError{op: op, err: interpret(err)}
}

// interpret turns pgx's and the network's errors into the store's: a missing
// row is ErrNotFound, a unique violation ErrConflict (with the constraint's
// name), a database that does not answer ErrUnavailable; any other error is
// returned as it is.
func interpret(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "23505":
			return fmt.Errorf("%w: %s", ErrConflict, pg.ConstraintName)
		case pg.Code == "23503": // every foreign key cascades, so this is a missing parent row
			return fmt.Errorf("%w: %s", ErrNotFound, pg.ConstraintName)
		case strings.HasPrefix(pg.Code, "57P"), strings.HasPrefix(pg.Code, "08"): // shutdown, connection
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
	if unreachable(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// unreachable reports whether err, not a PostgreSQL error, says the
// database could not be reached (refused, reset, closed or timed-out
// connections). A connection pgx found closed counts too, however it
// wraps it: "failed to deallocate cached statement(s): conn closed" came
// from a publish during an outage and was a 500 (TestDatabaseOutage).
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, pgconn.ErrConnClosed)
}
