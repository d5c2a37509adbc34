package testdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

// recorder is a testing.TB that notes failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestIntegrityCheckFindsOrphans(t *testing.T) {
	url := NewURL(t)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)

	clean := &recorder{TB: t}
	checkIntegrity(clean, url)
	if len(clean.errors) != 0 {
		t.Fatalf("a fresh database has orphans: %v", clean.errors)
	}

	if _, err := c.Exec(ctx, `INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, outcome)
		VALUES ('del_missing', 1, 'automatic', now(), 1, 'success')`); err != nil {
		t.Fatal(err)
	}
	dirty := &recorder{TB: t}
	checkIntegrity(dirty, url)
	if len(dirty.errors) != 1 {
		t.Fatalf("an attempt without its delivery was not reported: %v", dirty.errors)
	}
	// Leave the database clean for the check at the end of this test.
	if _, err := c.Exec(ctx, `DELETE FROM attempts WHERE delivery_id = 'del_missing'`); err != nil {
		t.Fatal(err)
	}
}
