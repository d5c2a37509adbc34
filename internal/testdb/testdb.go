// Package testdb gives each test its own PostgreSQL database, cloned from a
// migrated template, so tests run in parallel and leave nothing behind.
// A test that cannot reach PostgreSQL fails; it never skips.
//
// The server is TEST_DATABASE_URL, else DATABASE_URL, else the local
// postgres@127.0.0.1:5432. The template is named after a hash of the
// migrations, so a changed migration gets a fresh template; only databases
// this package created (clipcabinet_t_*) are ever dropped.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/migrations"
)

// ServerURL is the PostgreSQL server the tests use.
func ServerURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func withDB(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// template builds (once per server and migration set) the migrated template.
func template(ctx context.Context) (string, error) {
	templateOnce.Do(func() {
		h := sha256.New()
		_ = fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := migrations.FS.ReadFile(p)
				h.Write([]byte(p))
				h.Write(b)
			}
			return nil
		})
		templateName = "clipcabinet_t_template_" + hex.EncodeToString(h.Sum(nil))[:12]
		templateErr = buildTemplate(ctx, templateName)
	})
	return templateName, templateErr
}

func buildTemplate(ctx context.Context, name string) error {
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return fmt.Errorf("testdb: PostgreSQL is not reachable at %s (run `make db` or set TEST_DATABASE_URL): %w", ServerURL(), err)
	}
	defer admin.Close(context.Background())
	// Test binaries of several packages run at once: one builds, the rest wait.
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(7243002)"); err != nil {
		return err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(7243002)") //nolint:errcheck
	var ready *string
	err = admin.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name).Scan(&ready)
	if err == nil && ready != nil && *ready == "ready" {
		return nil
	}
	if err == nil { // half-built by a run that died: ours to drop
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return err
		}
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, withDB(ServerURL(), name))
	if err != nil {
		return err
	}
	err = store.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return err
	}
	_, err = admin.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{name}.Sanitize()+" IS 'ready'")
	return err
}

// NewURL creates a fresh migrated database for t, dropped when t ends, and
// returns its connection string.
func NewURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tmpl, err := template(ctx)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "clipcabinet_t_" + strings.ToLower(hex.EncodeToString(b[:]))
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer admin.Close(context.Background())
	// CREATE DATABASE ... TEMPLATE needs the template to have no sessions;
	// several test processes clone at once, so retry briefly on that error.
	for i := 0; ; i++ {
		_, err = admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s",
			pgx.Identifier{name}.Sanitize(), pgx.Identifier{tmpl}.Sanitize()))
		if err == nil || i == 50 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		checkIntegrity(t, withDB(ServerURL(), name))
		c, err := pgx.Connect(context.Background(), ServerURL())
		if err != nil {
			t.Logf("testdb: drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("testdb: drop %s: %v", name, err)
		}
	})
	return withDB(ServerURL(), name)
}

// orphans counts the rows whose relations migrations/00005 stopped
// checking with foreign keys: the code keeps them by construction, and
// every test's database is checked when the test ends. The last count is
// of queue rows whose copy of their delivery's facts (00016_queue_facts)
// differs from the delivery: every statement that changes one changes
// the other, so at rest they agree.
const orphans = `SELECT
	(SELECT count(*) FROM attempts a WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)),
	(SELECT count(*) FROM payloads p WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = p.delivery_id)),
	(SELECT count(*) FROM delivery_queue q WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = q.delivery_id)),
	(SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events v WHERE v.id = d.event_id)
		OR NOT EXISTS (SELECT 1 FROM endpoints e WHERE e.id = d.endpoint_id AND e.user_id = d.user_id)),
	(SELECT count(*) FROM delivery_queue q JOIN deliveries d ON d.id = q.delivery_id
		WHERE (q.event_id, q.status, q.attempt_count, q.auto_attempts, q.next_attempt_at)
			IS DISTINCT FROM (d.event_id, d.status, d.attempt_count, d.auto_attempts, d.next_attempt_at))`

// checkIntegrity fails t when its database holds orphans. A database
// without the tables (migrated down by the test) is not checked.
func checkIntegrity(t testing.TB, url string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Logf("testdb: integrity check: %v", err)
		return
	}
	defer c.Close(context.Background())
	var attempts, payloads, queued, deliveries, facts int
	if err := c.QueryRow(ctx, orphans).Scan(&attempts, &payloads, &queued, &deliveries, &facts); err != nil {
		t.Logf("testdb: integrity check skipped: %v", err)
		return
	}
	if attempts+payloads+queued+deliveries > 0 {
		t.Errorf("testdb: orphans left: %d attempts, %d payloads, %d queue rows without their delivery; %d deliveries without their event or endpoint",
			attempts, payloads, queued, deliveries)
	}
	if facts > 0 {
		t.Errorf("testdb: %d queue rows whose event, status, attempt counts or next attempt differ from their delivery's", facts)
	}
}

// New returns a pool on a fresh migrated database for t, closed when t ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), NewURL(t))
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Key is a fixed 32-byte encryption key for tests.
var Key = []byte("0123456789abcdef0123456789abcdef")
