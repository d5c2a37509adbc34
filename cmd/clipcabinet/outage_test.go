package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testpg"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestDatabaseOutage stops PostgreSQL under a running server while
// deliveries are in flight, keeps it down for several seconds, and starts it
// again. The process is never restarted. During the outage publishes get
// 503 and store nothing, /readyz says the database is unreachable while
// /healthz stays up; afterwards the dispatcher resumes by itself and every
// accepted delivery arrives.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	pg := testpg.Start(t)

	var mu sync.Mutex
	seen := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		time.Sleep(300 * time.Millisecond) // keep attempts in flight
		mu.Lock()
		seen[r.Header.Get(webhook.HeaderDelivery)]++
		mu.Unlock()
	}))
	defer recv.Close()

	srv := startServe(t, cliEnv("DATABASE_URL="+pg.URL, "CLIPCABINET_API_TOKEN="+testToken,
		"CLIPCABINET_ENCRYPTION_KEY="+testKey, "CLIPCABINET_ALLOW_PRIVATE_TARGETS=true", "CLIPCABINET_ATTEMPT_TIMEOUT=2s",
		"CLIPCABINET_RETRY_SCHEDULE=500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s"))
	pid := srv.cmd.Process.Pid

	call := func(method, path string, body any) (int, []byte) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, srv.url+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	var user, ep struct{ ID string }
	if code, out := call("POST", "/api/v1/users", map[string]string{"email": "outage@example.com"}); code != 201 || json.Unmarshal(out, &user) != nil {
		t.Fatalf("create user: %d %s", code, out)
	}
	if code, out := call("POST", "/api/v1/users/"+user.ID+"/endpoints", map[string]any{"url": recv.URL, "events": []string{"comment.added"}}); code != 201 || json.Unmarshal(out, &ep) != nil {
		t.Fatalf("create endpoint: %d %s", code, out)
	}
	var accepted []string
	publish := func() (int, []byte) {
		code, out := call("POST", "/api/v1/events", map[string]any{
			"event": "comment.added", "userId": user.ID, "data": json.RawMessage(webhook.SampleData("comment.added", user.ID)),
		})
		if code == http.StatusAccepted {
			var res struct{ Deliveries []struct{ ID string } }
			_ = json.Unmarshal(out, &res)
			accepted = append(accepted, res.Deliveries[0].ID)
		}
		return code, out
	}
	for range 40 {
		if code, out := publish(); code != http.StatusAccepted {
			t.Fatalf("publish before the outage: %d %s", code, out)
		}
	}
	time.Sleep(200 * time.Millisecond) // attempts are in flight

	pg.Down()
	outageStart := time.Now()
	for range 5 {
		code, out := publish()
		if code != http.StatusServiceUnavailable || !strings.Contains(string(out), `"error"`) {
			t.Fatalf("publish during the outage: %d %s; want 503 with an error body\n%s", code, out, srv.log())
		}
	}
	if code, body := get(t, srv.url+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz during the outage: %d %s", code, body)
	}
	if code, _ := get(t, srv.url+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz during the outage: %d", code)
	}
	time.Sleep(8*time.Second - time.Since(outageStart))
	pg.Up()

	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := get(t, srv.url+"/readyz"); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not ready 30s after the database came back:\n%s", srv.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for range 20 {
		if code, out := publish(); code != http.StatusAccepted {
			t.Fatalf("publish after the outage: %d %s", code, out)
		}
	}

	// Every accepted delivery arrives and ends succeeded; nothing was stored
	// for the refused publishes.
	for _, id := range accepted {
		for {
			code, out := call("GET", "/api/v1/deliveries/"+id, nil)
			var d struct{ Status string }
			_ = json.Unmarshal(out, &d)
			if code == 200 && d.Status == "succeeded" {
				break
			}
			if time.Now().After(deadline.Add(30 * time.Second)) {
				t.Fatalf("delivery %s: %d %s\n%s", id, code, out, srv.log())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	mu.Lock()
	for _, id := range accepted {
		if seen[id] == 0 {
			t.Errorf("delivery %s never reached the receiver", id)
		}
	}
	mu.Unlock()
	code, out := call("GET", "/api/v1/deliveries?userId="+user.ID+"&limit=100", nil)
	var list struct{ Data []struct{ ID string } }
	if code != 200 || json.Unmarshal(out, &list) != nil || len(list.Data) != len(accepted) {
		t.Fatalf("deliveries stored: %d (%d %s), accepted %d", len(list.Data), code, out[:min(len(out), 200)], len(accepted))
	}
	if srv.cmd.Process.Pid != pid || srv.cmd.ProcessState != nil {
		t.Fatal("the server process was restarted or exited")
	}
}
