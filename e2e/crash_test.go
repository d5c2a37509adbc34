package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/testdb"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

const (
	apiToken      = "e2e-token-0123456789abcdefghijklmn"
	encryptionKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)

// TestCrashMidFlight kills the real binary with SIGKILL while attempts are
// in flight and starts it again. Every delivery arrives and ends
// succeeded; the only deliveries sent twice are ones whose attempt was in
// flight at the kill (still leased in the database), and exactly those
// have an "interrupted" attempt on record.
func TestCrashMidFlight(t *testing.T) {
	t.Parallel()
	const endpoints, events, hold = 10, 20, time.Second
	bin := buildBinary(t)
	dbURL := testdb.NewURL(t)

	var (
		mu     sync.Mutex
		seen   = map[string]int{}
		bodies = map[string][][]byte{}
	)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get(webhook.HeaderDelivery)
		mu.Lock()
		seen[id]++
		bodies[id] = append(bodies[id], body)
		mu.Unlock()
		select { // hold the attempt, so some are in flight at the kill
		case <-time.After(hold):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(rc.Close)
	distinct := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(seen)
	}

	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"DATABASE_URL=" + dbURL,
		"CLIPCABINET_ADDR=127.0.0.1:0",
		"CLIPCABINET_API_TOKEN=" + apiToken,
		"CLIPCABINET_ENCRYPTION_KEY=" + encryptionKey,
		"CLIPCABINET_ALLOW_PRIVATE_TARGETS=true",
		"CLIPCABINET_ATTEMPT_TIMEOUT=2s", // lease: 2s + the 10s margin
		"CLIPCABINET_RETRY_SCHEDULE=1s",
		"CLIPCABINET_WORKERS=20", // 20 in flight at a time: some done, some in flight, some waiting
		"CLIPCABINET_LOG_LEVEL=info",
	}
	first := startServe(t, bin, env)
	user := apiCall[struct{ ID string }](t, first.url, "POST", "/api/v1/users", map[string]any{"email": "crash@example.com"}, http.StatusCreated)
	for i := range endpoints {
		apiCall[struct{}](t, first.url, "POST", "/api/v1/users/"+user.ID+"/endpoints",
			map[string]any{"url": fmt.Sprintf("%s/ep/%d", rc.URL, i), "events": []string{"comment.added"}}, http.StatusCreated)
	}
	var ids []string
	for range events {
		out := apiCall[struct{ Deliveries []struct{ ID string } }](t, first.url, "POST", "/api/v1/events", map[string]any{
			"event": "comment.added", "userId": user.ID,
			"data": json.RawMessage(webhook.SampleData(webhook.EventCommentAdded, "")),
		}, http.StatusAccepted)
		for _, d := range out.Deliveries {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) != endpoints*events {
		t.Fatalf("published %d deliveries, want %d", len(ids), endpoints*events)
	}

	// Kill once a quarter has arrived: attempts are in flight then.
	deadline := time.Now().Add(30 * time.Second)
	for distinct() < len(ids)/4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d deliveries arrived within 30s", distinct())
		}
		time.Sleep(10 * time.Millisecond)
	}
	first.kill(t)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A statement the dead process had sent still runs to its end on the
	// server (a completion can still commit): wait for its sessions to go.
	waitFor(t, 10*time.Second, func() (bool, string) {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0, fmt.Sprintf("%d sessions of the killed process remain", n)
	})
	inflight := queryIDs(t, conn, "SELECT delivery_id FROM delivery_queue WHERE claim_token IS NOT NULL")
	if len(inflight) == 0 {
		t.Fatal("no attempt was in flight at the kill: the test proves nothing")
	}

	startServe(t, bin, env)
	waitFor(t, 60*time.Second, func() (bool, string) {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM deliveries WHERE status = 'succeeded'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == len(ids), fmt.Sprintf("%d of %d deliveries succeeded", n, len(ids))
	})

	mu.Lock()
	defer mu.Unlock()
	var dups []string
	for _, id := range ids {
		switch n := seen[id]; {
		case n == 0:
			t.Errorf("delivery %s never arrived", id)
		case n > 1:
			dups = append(dups, id)
			if !slices.Contains(inflight, id) {
				t.Errorf("delivery %s arrived %d times but was not in flight at the kill", id, n)
			}
			for _, b := range bodies[id][1:] {
				if !bytes.Equal(b, bodies[id][0]) {
					t.Errorf("delivery %s was resent with other bytes", id)
				}
			}
		}
	}
	interrupted := queryIDs(t, conn, "SELECT DISTINCT delivery_id FROM attempts WHERE outcome = 'interrupted'")
	if !slices.Equal(interrupted, inflight) {
		t.Errorf("deliveries with an interrupted attempt %v, want exactly those in flight at the kill %v", interrupted, inflight)
	}
	// Each interrupted attempt is followed by the one that delivered, and
	// does not count toward the retry schedule.
	var badSeq int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM deliveries d WHERE d.id = ANY($1) AND (
		(SELECT array_agg(outcome ORDER BY number) FROM attempts a WHERE a.delivery_id = d.id) <> ARRAY['interrupted', 'success']
		OR d.auto_attempts <> 1 OR d.attempt_count <> 2)`, inflight).Scan(&badSeq); err != nil {
		t.Fatal(err)
	}
	if badSeq != 0 {
		t.Errorf("%d deliveries in flight at the kill do not have exactly [interrupted, success] attempts with one counted toward the schedule", badSeq)
	}
	var badLast int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM deliveries d WHERE (SELECT outcome FROM attempts a
		WHERE a.delivery_id = d.id ORDER BY number DESC LIMIT 1) IS DISTINCT FROM 'success'`).Scan(&badLast); err != nil {
		t.Fatal(err)
	}
	if badLast != 0 {
		t.Errorf("%d deliveries do not end with a successful attempt", badLast)
	}
	t.Logf("%d deliveries; %d in flight at the kill; %d sent twice", len(ids), len(inflight), len(dups))
}

// buildBinary builds cmd/clipcabinet into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool := mustLookPath(t, "go")
	bin := filepath.Join(t.TempDir(), "clipcabinet")
	out, err := exec.Command(goTool, "build", "-o", bin, "../cmd/clipcabinet").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// served is a running `clipcabinet serve`.
type served struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

var servingRE = regexp.MustCompile(`msg=serving addr=(\S+)`)

// startServe runs `clipcabinet serve` and waits until it listens. It is
// stopped gracefully when the test ends, unless killed before.
func startServe(t *testing.T, bin string, env []string) *served {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd, done: make(chan struct{})}
	var logMu sync.Mutex
	var logs bytes.Buffer
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		_ = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(25 * time.Second):
			_ = cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			logMu.Lock()
			t.Logf("serve output:\n%s", logs.String())
			logMu.Unlock()
		}
	})
	select {
	case a := <-addr:
		s.url = "http://" + a
	case <-s.done:
		t.Fatalf("serve exited: %s", logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening within 30s")
	}
	return s
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *served) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
}

// apiCall calls the service API of a server at base and decodes the answer.
func apiCall[T any](t *testing.T, base, method, path string, body any, want int) T {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	var v T
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return v
}

func queryIDs(t *testing.T, conn *pgx.Conn, sql string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// waitFor polls cond until it holds, or fails with its last description.
func waitFor(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, desc := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", timeout, desc)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
