package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/testdb"
)

var demoLoginRE = regexp.MustCompile(`demo admin: (\S+) / (\S+)`)

// runDev runs scripts/dev.sh (make run) in dir until it serves, logs in
// with the login it printed, and stops it. It returns the login's status.
func runDev(t *testing.T, dir string, env []string) int {
	t.Helper()
	cmd := exec.Command("bash", "scripts/dev.sh")
	cmd.Dir = dir
	cmd.Env = append(env, "CLIPCABINET_ADDR=127.0.0.1:0")
	var stdout lockedBuffer
	cmd.Stdout = &stdout
	p := startServing(t, cmd)
	defer p.stop(t, syscall.SIGTERM)
	m := demoLoginRE.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no demo login printed:\n%s", stdout.String())
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(p.url+"/login", url.Values{"email": {m[1]}, "password": {m[2]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// lockedBuffer is a buffer a process writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// devDB is the database name .env.dev in dir names.
func devDB(t *testing.T, dir string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, ".env.dev"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^CLIPCABINET_DEV_DB=(\S+)$`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf(".env.dev names no database:\n%s", raw)
	}
	return string(m[1])
}

// TestMakeRunPrintsAWorkingLogin runs scripts/dev.sh as make run does, in
// a copy of the scripts: the printed demo login works the first time,
// again, after the stored password changed (an earlier checkout's), and
// with a new .env.dev (a new key, so a new database).
func TestMakeRunPrintsAWorkingLogin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"scripts/dev.sh", "scripts/db.sh"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "scripts"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), raw, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(binPath, filepath.Join(dir, "bin", "clipcabinet")); err != nil {
		t.Fatal(err)
	}
	env := cliEnv("DATABASE_URL=" + testdb.ServerURL())
	var dbs []string
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), testdb.ServerURL())
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		for _, db := range dbs {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
		}
	})

	if code := runDev(t, dir, env); code != http.StatusSeeOther {
		t.Fatalf("first run: login answered %d", code)
	}
	first := devDB(t, dir)
	dbs = append(dbs, first)
	if code := runDev(t, dir, env); code != http.StatusSeeOther {
		t.Fatalf("second run: login answered %d", code)
	}

	u, _ := url.Parse(testdb.ServerURL())
	u.Path = "/" + first
	res := runCLIStdin(t, cliEnv("DATABASE_URL="+u.String()), "someone else's password", "user", "set-password", "--email", "admin@example.com")
	if res.code != 0 {
		t.Fatalf("set-password: %s", res.stderr)
	}
	if code := runDev(t, dir, env); code != http.StatusSeeOther {
		t.Fatalf("after the stored password changed: login answered %d", code)
	}

	if err := os.Remove(filepath.Join(dir, ".env.dev")); err != nil {
		t.Fatal(err)
	}
	if code := runDev(t, dir, env); code != http.StatusSeeOther {
		t.Fatalf("with a new .env.dev: login answered %d", code)
	}
	if second := devDB(t, dir); second == first {
		t.Fatalf("a new .env.dev kept the database %s", first)
	} else {
		dbs = append(dbs, second)
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, ".env.dev")); !regexp.MustCompile(`(?m)^CLIPCABINET_API_TOKEN=\S{32,}$`).Match(raw) {
		t.Fatalf("dev API token shorter than 32 characters:\n%s", raw)
	}
}
