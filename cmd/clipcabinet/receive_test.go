package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// syncBuffer is a bytes.Buffer safe for the receiver and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const receiveSecret = "whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"

var listeningRE = regexp.MustCompile(`receiving on (http://\S+)/`)

// startReceive runs `clipcabinet receive` with args on a free port and
// returns its URL and output. It stops when the test ends, and must
// return no error then.
func startReceive(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"receive", "--addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, nil, stdout, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("receive returned %v after a stop", err)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stdout
		}
		select {
		case err := <-done:
			t.Fatalf("receive exited: %v: %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("receive did not start: %s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReceive: verified deliveries get 200 and one printed line, a wrong
// signature 401, and the --fail-* flags fail on purpose.
func TestReceive(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event":"comment.added","deliveryId":"del_M5pK2bN9wHfRa1Jx","occurredAt":"2026-04-30T22:04:51.831Z","data":{"body":"<b>hi</b>"}}`)
	good := webhook.Sign(receiveSecret, body)
	tests := []struct {
		name      string
		args      []string
		sigs      []string // one request per signature
		wantCodes []int
		wantLines []string // regexps, one per line printed
	}{
		{
			name: "verified", sigs: []string{good}, wantCodes: []int{200},
			wantLines: []string{`comment.added del_M5pK2bN9wHfRa1Jx verified -> 200`},
		},
		{
			name: "wrong signature", sigs: []string{webhook.Sign("whsec_other", body), "", strings.ToUpper(good)},
			wantCodes: []int{401, 401, 401},
			wantLines: []string{`INVALID-SIGNATURE -> 401`, `INVALID-SIGNATURE -> 401`, `INVALID-SIGNATURE -> 401`},
		},
		{
			name: "fail-first", args: []string{"--fail-first", "2"}, sigs: []string{good, good, good, good},
			wantCodes: []int{500, 500, 200, 200},
			wantLines: []string{`verified -> 500`, `verified -> 500`, `verified -> 200`, `verified -> 200`},
		},
		{
			name: "fail-first with fail-status", args: []string{"--fail-first", "1", "--fail-status", "503"}, sigs: []string{good, good},
			wantCodes: []int{503, 200},
			wantLines: []string{`verified -> 503`, `verified -> 200`},
		},
		{
			name: "fail-rate 1", args: []string{"--fail-rate", "1", "--fail-status", "410"}, sigs: []string{good, good},
			wantCodes: []int{410, 410},
			wantLines: []string{`verified -> 410`, `verified -> 410`},
		},
		{
			name: "print-body", args: []string{"--print-body"}, sigs: []string{good}, wantCodes: []int{200},
			wantLines: []string{`verified -> 200`, `^  \{$`, `^    "data": \{$`, `^      "body": "<b>hi</b>"$`},
		},
		{
			name: "print-body skips a body that does not verify", args: []string{"--print-body"}, sigs: []string{"sha256=00"}, wantCodes: []int{401},
			wantLines: []string{`INVALID-SIGNATURE -> 401`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, stdout := startReceive(t, append([]string{"--secret", receiveSecret}, tt.args...)...)
			for i, sig := range tt.sigs {
				req, _ := http.NewRequest("POST", url+"/hook", bytes.NewReader(body))
				req.Header.Set(webhook.HeaderEvent, "comment.added")
				req.Header.Set(webhook.HeaderDelivery, "del_M5pK2bN9wHfRa1Jx")
				req.Header.Set(webhook.HeaderSignature, sig)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.wantCodes[i] {
					t.Errorf("request %d: %d, want %d", i+1, resp.StatusCode, tt.wantCodes[i])
				}
			}
			out := stdout.String()
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z comment\.added del_M5pK2bN9wHfRa1Jx (verified|INVALID-SIGNATURE) -> \d{3}$`)
			var printed []string
			for _, l := range lines {
				if stamp.MatchString(l) || strings.HasPrefix(l, "  ") {
					printed = append(printed, l)
				}
			}
			want := 0
			for _, re := range tt.wantLines {
				for want < len(printed) && !regexp.MustCompile(re).MatchString(printed[want]) {
					want++
				}
				if want == len(printed) {
					t.Fatalf("output lacks a line matching %q in order:\n%s", re, out)
				}
				want++
			}
			if n := strings.Count(out, " -> "); n != len(tt.sigs) {
				t.Errorf("%d request lines printed, want %d:\n%s", n, len(tt.sigs), out)
			}
		})
	}
}

// TestReceiveFlags: bad flags are refused before listening.
func TestReceiveFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no secret", args: nil, wantErr: "--secret"},
		{name: "not a signing secret", args: []string{"--secret", "hunter2"}, wantErr: "--secret"},
		{name: "three secrets", args: []string{"--secret", receiveSecret, "--secret", receiveSecret, "--secret", receiveSecret}, wantErr: "--secret"},
		{name: "second secret not a signing secret", args: []string{"--secret", receiveSecret, "--secret", "hunter2"}, wantErr: "--secret"},
		{name: "fail-rate above 1", args: []string{"--secret", receiveSecret, "--fail-rate", "2"}, wantErr: "--fail-rate"},
		{name: "bad address", args: []string{"--secret", receiveSecret, "--addr", "not-an-address"}, wantErr: "--addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"receive"}, tt.args...), func(string) string { return "" }, nil, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("receive %v: %v, want an error about %s", tt.args, err, tt.wantErr)
			}
		})
	}
}

// TestReceiveRealDeliveries: the receiver verifies what the dispatcher
// really sends, and --fail-first makes the first attempt fail so the
// automatic retry delivers it.
func TestReceiveRealDeliveries(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{})
	user := app.NewUser(t, "owner@example.com")
	ep := app.NewEndpoint(t, user, "http://127.0.0.1:9/placeholder")
	url, stdout := startReceive(t, "--secret", ep.Secret, "--fail-first", "1")
	app.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep.ID, map[string]any{"url": url + "/hook"}, nil)
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]string{"event": "recording.completed"}, &out)
	d := app.WaitDelivery(t, out.DeliveryID, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })
	if d.AttemptCount != 2 || d.Attempts[0].Outcome != "http_error" {
		t.Errorf("delivery %+v, want a failed first attempt and a successful retry", d)
	}
	lines := stdout.String()
	for _, want := range []string{" recording.completed " + out.DeliveryID + " verified -> 500\n", " recording.completed " + out.DeliveryID + " verified -> 200\n"} {
		if !strings.Contains(lines, want) {
			t.Errorf("output lacks %q:\n%s", want, lines)
		}
	}
}

// TestReceiveTwoSecretsAndStandard: --secret given twice accepts either
// secret (a rotation's window), and --standard also requires a valid
// Standard Webhooks signature, checked on what the dispatcher really sends.
func TestReceiveTwoSecretsAndStandard(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{})
	user := app.NewUser(t, "owner@example.com")
	ep := app.NewEndpoint(t, user, "http://127.0.0.1:9/placeholder")
	var rot struct{ Secret string }
	app.MustAPI(t, http.StatusOK, "POST", "/api/v1/endpoints/"+ep.ID+"/secret/rotate", map[string]any{"activateInSeconds": 3600}, &rot)
	tests := []struct {
		name     string
		args     []string
		standard bool // the endpoint sends the Standard Webhooks headers
		want     string
	}{
		{name: "old secret", args: []string{"--secret", ep.Secret}, want: "verified -> 200"},
		{name: "new secret only, during the window", args: []string{"--secret", rot.Secret}, want: "INVALID-SIGNATURE -> 401"},
		{name: "both secrets", args: []string{"--secret", rot.Secret, "--secret", ep.Secret}, want: "verified -> 200"},
		{name: "standard, both secrets", args: []string{"--standard", "--secret", ep.Secret, "--secret", rot.Secret}, standard: true, want: "verified -> 200"},
		{name: "standard, headers missing", args: []string{"--standard", "--secret", ep.Secret}, want: "INVALID-STANDARD-SIGNATURE -> 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, stdout := startReceive(t, tt.args...)
			app.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep.ID, map[string]any{"url": url + "/hook", "standardWebhooks": tt.standard}, nil)
			var out struct{ DeliveryID string }
			app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]string{"event": "comment.added"}, &out)
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(stdout.String(), out.DeliveryID) {
				if time.Now().After(deadline) {
					t.Fatalf("no line for %s: %s", out.DeliveryID, stdout.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if line := stdout.String(); !strings.Contains(line, out.DeliveryID+" "+tt.want) {
				t.Errorf("printed %q, want %q", line, tt.want)
			}
		})
	}
	t.Run("older secret with --standard", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"receive", "--standard", "--secret", "whsec_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg"}, func(string) string { return "" }, nil, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "--standard") {
			t.Errorf("got %v, want an error about --standard", err)
		}
	})
}
