package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/testdb"
)

// binPath is the clipcabinet binary built once for the tests that run it as
// an operator would: a real process, a controlled environment, signals.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clipcabinet-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "clipcabinet")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", binPath, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build clipcabinet:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	testToken = "cli-test-token-0123456789abcdefghij"
	testKey   = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // base64 of 32 bytes
)

// emptyDB creates a database with no schema at all (unlike testdb, whose
// databases are migrated), dropped when t ends.
func emptyDB(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "clipcabinet_t_" + hex.EncodeToString(b[:]) // testdb's prefix: safe to drop
	admin, err := pgx.Connect(ctx, testdb.ServerURL())
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", testdb.ServerURL(), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testdb.ServerURL())
		if err != nil {
			t.Logf("drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(testdb.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// cliEnv is a controlled environment: only what is given, nothing inherited
// (so a developer's own CLIPCABINET_* variables cannot leak in).
func cliEnv(kv ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "TZ=UTC"}, kv...)
}

type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the binary to completion.
func runCLI(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	return runCLIStdin(t, env, "", args...)
}

// runCLIStdin runs the binary to completion with stdin as its input.
func runCLIStdin(t *testing.T, env []string, stdin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	default:
		t.Fatalf("clipcabinet %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("clipcabinet %s did not finish within 30s; stderr:\n%s", strings.Join(args, " "), res.stderr)
	}
	return res
}

// serveProc is a running `clipcabinet serve`.
type serveProc struct {
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{} // closed when stderr is drained
}

func (p *serveProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

var servingRE = regexp.MustCompile(`msg=serving addr=(\S+)`)

// startServe starts serve on a free loopback port and waits until it says
// it is serving.
func startServe(t *testing.T, env []string, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"serve"}, args...)...)
	cmd.Env = append(env, "CLIPCABINET_ADDR=127.0.0.1:0")
	return startServing(t, cmd)
}

// startServing starts cmd, which ends up running serve, and waits until
// serve says it is serving.
func startServing(t *testing.T, cmd *exec.Cmd) *serveProc {
	t.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pipe)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-p.done:
		_ = cmd.Wait()
		t.Fatalf("serve exited before serving:\n%s", p.log())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not start within 20s:\n%s", p.log())
	}
	return p
}

// stop sends sig and returns the exit code.
func (p *serveProc) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { <-p.done; waited <- p.cmd.Wait() }()
	select {
	case err := <-waited:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(25 * time.Second):
		t.Fatalf("serve did not exit within 25s of %v:\n%s", sig, p.log())
	}
	return -1
}

func get(t *testing.T, rawURL string) (int, string) {
	t.Helper()
	return request(t, "GET", rawURL, "", "")
}

// request makes one HTTP request, with the bearer token when given, and
// returns the status and body.
func request(t *testing.T, method, rawURL, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeRefusesWithoutValidKey(t *testing.T) {
	t.Parallel()
	dbURL := testdb.NewURL(t)
	tests := []struct {
		name string
		key  []string // the CLIPCABINET_ENCRYPTION_KEY entry, if any
	}{
		{name: "unset"},
		{name: "empty", key: []string{"CLIPCABINET_ENCRYPTION_KEY="}},
		{name: "16 bytes", key: []string{"CLIPCABINET_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(make([]byte, 16))}},
		{name: "31 bytes", key: []string{"CLIPCABINET_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(make([]byte, 31))}},
		{name: "not base64", key: []string{"CLIPCABINET_ENCRYPTION_KEY=this is not base64!"}},
		{name: "raw 32 characters", key: []string{"CLIPCABINET_ENCRYPTION_KEY=0123456789abcdef0123456789abcdef"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := cliEnv(append([]string{"DATABASE_URL=" + dbURL, "CLIPCABINET_API_TOKEN=" + testToken, "CLIPCABINET_ADDR=127.0.0.1:0"}, tt.key...)...)
			res := runCLI(t, env, "serve")
			if res.code == 0 {
				t.Fatalf("serve exited 0 without a valid key; stderr:\n%s", res.stderr)
			}
			if !strings.Contains(res.stderr, "CLIPCABINET_ENCRYPTION_KEY") {
				t.Errorf("stderr does not name CLIPCABINET_ENCRYPTION_KEY:\n%s", res.stderr)
			}
			if strings.Contains(res.stderr, "msg=serving") || strings.Contains(res.stderr, "goroutine ") {
				t.Errorf("serve started or panicked:\n%s", res.stderr)
			}
		})
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		db        func(t testing.TB) string
		args      []string
		sig       os.Signal
		wantReady int
	}{
		{name: "migrated database, SIGTERM", db: testdb.NewURL, sig: syscall.SIGTERM, wantReady: http.StatusOK},
		{name: "migrated database, SIGINT", db: testdb.NewURL, sig: os.Interrupt, wantReady: http.StatusOK},
		{name: "empty database is migrated at start", db: emptyDB, sig: syscall.SIGTERM, wantReady: http.StatusOK},
		{name: "empty database with --no-migrate is not ready", db: emptyDB, args: []string{"--no-migrate"}, sig: syscall.SIGTERM, wantReady: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := cliEnv("DATABASE_URL="+tt.db(t), "CLIPCABINET_ENCRYPTION_KEY="+testKey, "CLIPCABINET_API_TOKEN="+testToken)
			p := startServe(t, env, tt.args...)

			if code, body := get(t, p.url+"/healthz"); code != http.StatusOK {
				t.Errorf("/healthz = %d %s", code, body)
			}
			if code, body := get(t, p.url+"/readyz"); code != tt.wantReady {
				t.Errorf("/readyz = %d %s, want %d", code, body, tt.wantReady)
			}
			if tt.wantReady == http.StatusOK {
				// The API is wired to the database and the token.
				req, _ := http.NewRequest("POST", p.url+"/api/v1/users", strings.NewReader(`{"email":"serve@example.com"}`))
				req.Header.Set("Authorization", "Bearer "+testToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("POST /api/v1/users = %d", resp.StatusCode)
				}
			}

			if code := p.stop(t, tt.sig); code != 0 {
				t.Errorf("serve exited %d after %v, want 0:\n%s", code, tt.sig, p.log())
			}
			if !strings.Contains(p.log(), "msg=stopped") {
				t.Errorf("no graceful shutdown in the log:\n%s", p.log())
			}
		})
	}
}

func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	env := cliEnv("DATABASE_URL=" + emptyDB(t))
	lineRE := regexp.MustCompile(`(?m)^(\d{5})\s+(\S+\.sql)\s+(pending|applied \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})$`)
	states := func(t *testing.T, out string) []string {
		t.Helper()
		ms := lineRE.FindAllStringSubmatch(out, -1)
		if len(ms) == 0 || !strings.Contains(out, "00001") {
			t.Fatalf("no migration listed:\n%s", out)
		}
		var st []string
		for _, m := range ms {
			st = append(st, strings.Fields(m[3])[0])
		}
		return st
	}
	all := func(st []string, want string) bool {
		for _, s := range st {
			if s != want {
				return false
			}
		}
		return true
	}

	res := runCLI(t, env, "migrate", "status")
	if res.code != 0 || !all(states(t, res.stdout), "pending") {
		t.Fatalf("status on an empty database: exit %d, want every migration pending:\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runCLI(t, env, "migrate", "up")
	if res.code != 0 || !all(states(t, res.stdout), "applied") {
		t.Fatalf("migrate up: exit %d, want every migration applied:\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runCLI(t, env, "migrate", "status")
	n := len(states(t, res.stdout))
	if res.code != 0 || !all(states(t, res.stdout), "applied") {
		t.Fatalf("status after up: exit %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res = runCLI(t, env, "migrate", "up"); res.code != 0 {
		t.Fatalf("a second migrate up: exit %d:\n%s", res.code, res.stderr)
	}
	if res = runCLI(t, env, "migrate", "down"); res.code != 0 {
		t.Fatalf("migrate down: exit %d:\n%s", res.code, res.stderr)
	}
	res = runCLI(t, env, "migrate", "status")
	st := states(t, res.stdout)
	if len(st) != n || st[n-1] != "pending" || (n > 1 && st[n-2] != "applied") {
		t.Fatalf("after down, want only the newest migration pending:\n%s", res.stdout)
	}
	res = runCLI(t, env, "migrate", "sideways")
	if res.code == 0 || !strings.Contains(res.stderr, "sideways") {
		t.Fatalf("unknown subcommand: exit %d:\n%s", res.code, res.stderr)
	}
	res = runCLI(t, cliEnv(), "migrate", "status")
	if res.code == 0 || !strings.Contains(res.stderr, "DATABASE_URL") {
		t.Fatalf("without DATABASE_URL: exit %d:\n%s", res.code, res.stderr)
	}
}

func TestUserCreate(t *testing.T) {
	t.Parallel()
	dbURL := testdb.NewURL(t)
	env := cliEnv("DATABASE_URL=" + dbURL)
	first := runCLI(t, env, "user", "create", "--email", "taken@example.com", "--password", "correct horse battery", "--id", "user_taken")
	if first.code != 0 || first.stdout != "user_taken\n" {
		t.Fatalf("first user: exit %d stdout %q stderr %s", first.code, first.stdout, first.stderr)
	}
	idRE := regexp.MustCompile(`^user_[0-9A-Za-z]{16}\n$`)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout *regexp.Regexp // when it succeeds
		wantStderr string         // when it fails
		wantAdmin  bool
		wantName   string
	}{
		{name: "generated id", args: []string{"--email", "new@example.com", "--password", "long enough pw"}, wantStdout: idRE},
		{name: "every flag", args: []string{"--email", "admin@example.com", "--password", "long enough pw", "--name", "Ada", "--admin", "--id", "user_ada"},
			wantStdout: regexp.MustCompile(`^user_ada\n$`), wantAdmin: true, wantName: "Ada"},
		{name: "if-missing prints the existing id", args: []string{"--email", "taken@example.com", "--password", "long enough pw", "--if-missing"},
			wantStdout: regexp.MustCompile(`^user_taken\n$`)},
		{name: "bad email", args: []string{"--email", "not-an-email", "--password", "long enough pw"}, wantCode: 1, wantStderr: "--email"},
		{name: "missing email", args: []string{"--password", "long enough pw"}, wantCode: 1, wantStderr: "--email"},
		{name: "short password", args: []string{"--email", "short@example.com", "--password", "short"}, wantCode: 1, wantStderr: "--password"},
		{name: "missing password", args: []string{"--email", "nopw@example.com"}, wantCode: 1, wantStderr: "--password"},
		{name: "duplicate email", args: []string{"--email", "taken@example.com", "--password", "long enough pw"}, wantCode: 1, wantStderr: "already exists"},
		{name: "duplicate email in another case", args: []string{"--email", "Taken@Example.com", "--password", "long enough pw"}, wantCode: 1, wantStderr: "already exists"},
		{name: "duplicate id", args: []string{"--email", "other@example.com", "--password", "long enough pw", "--id", "user_taken"}, wantCode: 1, wantStderr: "already exists"},
		{name: "id without prefix", args: []string{"--email", "p@example.com", "--password", "long enough pw", "--id", "taken"}, wantCode: 1, wantStderr: "--id"},
		{name: "id only the prefix", args: []string{"--email", "q@example.com", "--password", "long enough pw", "--id", "user_"}, wantCode: 1, wantStderr: "--id"},
		{name: "id with a slash", args: []string{"--email", "r@example.com", "--password", "long enough pw", "--id", "user_a/b"}, wantCode: 1, wantStderr: "--id"},
		{name: "unknown flag", args: []string{"--email", "s@example.com", "--password", "long enough pw", "--owner"}, wantCode: 1, wantStderr: "owner"},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				res := runCLI(t, env, append([]string{"user", "create"}, tt.args...)...)
				if res.code != tt.wantCode {
					t.Fatalf("exit %d, want %d; stdout %q stderr:\n%s", res.code, tt.wantCode, res.stdout, res.stderr)
				}
				if tt.wantCode != 0 {
					if res.stdout != "" {
						t.Errorf("a failure printed on stdout: %q", res.stdout)
					}
					if !strings.Contains(res.stderr, tt.wantStderr) {
						t.Errorf("stderr does not mention %q:\n%s", tt.wantStderr, res.stderr)
					}
					return
				}
				if !tt.wantStdout.MatchString(res.stdout) {
					t.Fatalf("stdout %q, want %s", res.stdout, tt.wantStdout)
				}
				var (
					name, hash string
					admin      bool
				)
				id := strings.TrimSpace(res.stdout)
				conn, err := pgx.Connect(context.Background(), dbURL)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(context.Background())
				if err := conn.QueryRow(context.Background(), "SELECT name, admin, coalesce(password_hash, '') FROM users WHERE id = $1", id).Scan(&name, &admin, &hash); err != nil {
					t.Fatalf("user %s not in the database: %v", id, err)
				}
				if admin != tt.wantAdmin || (tt.wantName != "" && name != tt.wantName) || !strings.HasPrefix(hash, "$argon2id$") {
					t.Errorf("stored name %q admin %v hash %.12q", name, admin, hash)
				}
			})
		}
	})
	var n int
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d users, want 3 (taken, new, admin)", n)
	}
}

// TestRun calls run directly for what needs no process of its own.
func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantErr    []string // substrings of the error; none: no error
		wantStdout string
		wantStderr string
	}{
		{name: "no command", args: nil, wantErr: []string{"no command"}, wantStderr: "usage: clipcabinet"},
		{name: "unknown command", args: []string{"launch"}, wantErr: []string{`"launch"`}, wantStderr: "usage: clipcabinet"},
		{name: "help", args: []string{"help"}, wantStdout: "usage: clipcabinet"},
		{name: "--help", args: []string{"--help"}, wantStdout: "user create"},
		{name: "serve with nothing set", args: []string{"serve"}, wantErr: []string{"DATABASE_URL", "CLIPCABINET_ENCRYPTION_KEY"}},
		{name: "serve without a key", args: []string{"serve"}, env: map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/x"}, wantErr: []string{"CLIPCABINET_ENCRYPTION_KEY"}},
		{name: "serve with a short key", args: []string{"serve"},
			env:     map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/x", "CLIPCABINET_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString([]byte("short"))},
			wantErr: []string{"CLIPCABINET_ENCRYPTION_KEY", "32"}},
		{name: "serve with a bad setting", args: []string{"serve"},
			env:     map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/x", "CLIPCABINET_ENCRYPTION_KEY": testKey, "CLIPCABINET_WORKERS": "none"},
			wantErr: []string{"CLIPCABINET_WORKERS"}},
		{name: "serve with an unreachable database", args: []string{"serve"},
			env:     map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x?connect_timeout=2", "CLIPCABINET_ENCRYPTION_KEY": testKey},
			wantErr: []string{"connect"}},
		{name: "serve with a short API token", args: []string{"serve"},
			env:     map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/x", "CLIPCABINET_ENCRYPTION_KEY": testKey, "CLIPCABINET_API_TOKEN": "bench"},
			wantErr: []string{"CLIPCABINET_API_TOKEN", "32"}},
		{name: "serve with an unknown flag", args: []string{"serve", "--fast"}, wantErr: []string{"fast"}},
		{name: "migrate without a database", args: []string{"migrate", "status"}, wantErr: []string{"DATABASE_URL"}},
		{name: "migrate with a bad setting", args: []string{"migrate"}, env: map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/x", "CLIPCABINET_LOG_LEVEL": "loud"}, wantErr: []string{"CLIPCABINET_LOG_LEVEL"}},
		{name: "user without subcommand", args: []string{"user"}, wantErr: []string{"user create"}},
		{name: "user delete", args: []string{"user", "delete"}, wantErr: []string{"user create"}},
		{name: "user create with a bad email", args: []string{"user", "create", "--email", "x", "--password", "long enough pw"}, wantErr: []string{"--email"}},
		{name: "user create without a database", args: []string{"user", "create", "--email", "x@example.com", "--password", "long enough pw"}, wantErr: []string{"DATABASE_URL"}},
		{name: "receive without a secret", args: []string{"receive"}, wantErr: []string{"--secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			err := run(ctx, tt.args, func(k string) string { return tt.env[k] }, strings.NewReader(""), &stdout, &stderr)
			if len(tt.wantErr) == 0 && err != nil {
				t.Fatalf("run: %v", err)
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("run error %v, want it to mention %q", err, w)
				}
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout %q, want %q in it", stdout.String(), tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q, want %q in it", stderr.String(), tt.wantStderr)
			}
			if ctx.Err() != nil {
				t.Error("run did not return before its context ended")
			}
		})
	}
}
