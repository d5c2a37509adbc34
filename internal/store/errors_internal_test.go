package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestClosedConnectionIsUnavailable: pgx's "conn closed", however it is
// wrapped, means the database went away: ErrUnavailable (a 503), not an
// internal error. TestDatabaseOutage once got a 500 for a publish that
// failed with "failed to deallocate cached statement(s): conn closed".
func TestClosedConnectionIsUnavailable(t *testing.T) {
	err := wrap("publish", fmt.Errorf("failed to deallocate cached statement(s): %w", pgconn.ErrConnClosed))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if err := wrap("publish", errors.New("something else")); errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v is ErrUnavailable", err)
	}
}
