package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/testdb"
)

// storedHash is the user's password hash in the database.
func storedHash(t *testing.T, dbURL, email string) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var hash string
	if err := conn.QueryRow(context.Background(), "SELECT coalesce(password_hash, '') FROM users WHERE email = $1", email).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	return hash
}

// TestPasswordFromStdin: without --password, user create and set-password
// read it from stdin, so it never appears on a command line.
func TestPasswordFromStdin(t *testing.T) {
	t.Parallel()
	dbURL := testdb.NewURL(t)
	env := cliEnv("DATABASE_URL=" + dbURL)
	res := runCLIStdin(t, env, "from stdin, not argv\n", "user", "create", "--email", "stdin@example.com")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "user_") {
		t.Fatalf("user create: exit %d stdout %q stderr:\n%s", res.code, res.stdout, res.stderr)
	}
	if err := auth.CheckPassword(storedHash(t, dbURL, "stdin@example.com"), "from stdin, not argv"); err != nil {
		t.Fatalf("stored hash does not match the password on stdin: %v", err)
	}
	res = runCLIStdin(t, env, "a new password here", "user", "set-password", "--email", "STDIN@example.com")
	if res.code != 0 {
		t.Fatalf("set-password: exit %d stderr:\n%s", res.code, res.stderr)
	}
	if err := auth.CheckPassword(storedHash(t, dbURL, "stdin@example.com"), "a new password here"); err != nil {
		t.Fatalf("set-password did not apply: %v", err)
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"nothing on stdin", "", []string{"user", "create", "--email", "none@example.com"}, "--password"},
		{"short on stdin", "short\n", []string{"user", "create", "--email", "short@example.com"}, "--password"},
		{"set-password for nobody", "long enough password", []string{"user", "set-password", "--email", "nobody@example.com"}, "no user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLIStdin(t, env, tc.stdin, tc.args...)
			if res.code == 0 || !strings.Contains(res.stderr, tc.want) {
				t.Fatalf("exit %d, stderr without %q:\n%s", res.code, tc.want, res.stderr)
			}
		})
	}
}
