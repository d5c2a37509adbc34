// Package e2e tests the service from the outside: the documented Python
// and Node verifiers as real receivers, the real binary killed mid-flight,
// and the publish and deliveries API as a backend uses it.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// mustLookPath finds a program the test needs; a missing one fails the
// test, it never skips it.
func mustLookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required for this test and is not installed: %v", name, err)
	}
	return p
}

// record is one request as a receiver script saw it.
type record struct {
	Headers  [][2]string `json:"headers"`
	Body     []byte      `json:"body"` // base64 in the script's output
	Verified bool        `json:"verified"`
	Keys     []string    `json:"keys"`
	Status   int         `json:"status"`
	// Spec and SW: the rotation receivers' verdicts per holder ("old",
	// "new", "both"); nil where the holder has no secret yet.
	Spec map[string]*bool `json:"spec"`
	SW   map[string]*bool `json:"sw"`
}

// header returns the values of the named header (case-insensitive).
func (r record) header(name string) []string {
	var out []string
	for _, h := range r.Headers {
		if strings.EqualFold(h[0], name) {
			out = append(out, h[1])
		}
	}
	return out
}

// script is a receiver script running as a child process.
type script struct {
	URL string

	mu      sync.Mutex
	records []record
	bad     []string // output lines that are not records
}

// startScript runs program with the script in testdata and the endpoint's
// secret in CLIPCABINET_WEBHOOK_SECRET (and env), and reads its records
// from stdout.
func startScript(t *testing.T, program, name, secret string, env ...string) *script {
	t.Helper()
	cmd := exec.Command(program, filepath.Join("testdata", name))
	cmd.Env = append(append(os.Environ(), "CLIPCABINET_WEBHOOK_SECRET="+secret), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s %s: %v", program, name, err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("%s stderr:\n%s", name, stderr.String())
		}
	})
	s := &script{}
	port := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if p, ok := strings.CutPrefix(line, "PORT "); ok {
				port <- p
				continue
			}
			var r record
			s.mu.Lock()
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				s.bad = append(s.bad, line)
			} else {
				s.records = append(s.records, r)
			}
			s.mu.Unlock()
		}
	}()
	select {
	case p := <-port:
		s.URL = "http://127.0.0.1:" + p
	case <-done:
		t.Fatalf("%s exited before listening: %s", name, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not print its port within 15s: %s", name, stderr.String())
	}
	return s
}

// Records returns the requests so far and any unparsable output.
func (s *script) Records() ([]record, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]record(nil), s.records...), append([]string(nil), s.bad...)
}

// waitRecords waits until the script has recorded n requests.
func (s *script) waitRecords(t *testing.T, n int, timeout time.Duration) []record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		recs, bad := s.Records()
		if len(bad) > 0 {
			t.Fatalf("receiver printed lines that are not records: %q", bad)
		}
		if len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("receiver recorded %d requests within %s, want %d", len(recs), timeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// compact is json.Compact, which keeps strings byte for byte.
func compact(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// example is a payload example from webhooks.md, copied verbatim to testdata.
type example struct {
	raw        []byte
	Event      string          `json:"event"`
	DeliveryID string          `json:"deliveryId"`
	OccurredAt string          `json:"occurredAt"`
	Data       json.RawMessage `json:"data"`
}

func loadExample(t *testing.T, event string) example {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", event+".json"))
	if err != nil {
		t.Fatal(err)
	}
	ex := example{raw: raw}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	return ex
}
