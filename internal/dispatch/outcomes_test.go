package dispatch_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/testnet"
)

// TestOutcomes: how each way an attempt can end is recorded. Every case
// has its own receiver and endpoint on one server; the schedule is long,
// so each delivery is attempted exactly once here.
func TestOutcomes(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{Env: map[string]string{
		"CLIPCABINET_RETRY_SCHEDULE":  "1h",
		"CLIPCABINET_ATTEMPT_TIMEOUT": "500ms",
	}})
	big := strings.Repeat("0123456789abcdef", 1280) // 20 KiB

	type attempt = struct {
		body       string
		truncated  bool
		durationMs int
	}
	tests := []struct {
		name string
		// url starts what the case needs and returns the endpoint URL.
		url         func(t *testing.T) string
		wantOutcome string
		wantCode    int // 0: no status code
		wantErr     string
		wantStatus  string // the delivery's status after the attempt
		check       func(t *testing.T, a attempt)
	}{
		{
			name: "200", url: respond(http.StatusOK, "ok"),
			wantOutcome: "success", wantCode: 200, wantStatus: "succeeded",
			check: func(t *testing.T, a attempt) {
				if a.body != "ok" || a.truncated {
					t.Errorf("body %q truncated %v, want \"ok\" false", a.body, a.truncated)
				}
			},
		},
		{name: "204", url: respond(http.StatusNoContent, ""), wantOutcome: "success", wantCode: 204, wantStatus: "succeeded"},
		{name: "404", url: respond(http.StatusNotFound, "no such hook"), wantOutcome: "http_error", wantCode: 404, wantErr: "HTTP 404 Not Found", wantStatus: "retrying"},
		{name: "410", url: respond(http.StatusGone, "gone"), wantOutcome: "http_error", wantCode: 410, wantErr: "HTTP 410 Gone"}, // status: the endpoint is then disabled (internal/maintain tests that)
		{
			name: "503", url: respond(http.StatusServiceUnavailable, "busy"),
			wantOutcome: "http_error", wantCode: 503, wantErr: "HTTP 503", wantStatus: "retrying",
			check: func(t *testing.T, a attempt) {
				if a.body != "busy" {
					t.Errorf("response body %q, want busy", a.body)
				}
			},
		},
		{
			// A receiver's headers count against a cap as its body does:
			// 1 MiB of one header is an error with the reason, not 1 MiB
			// held per attempt.
			name: "response headers over 64 KiB",
			url: func(t *testing.T) string {
				return newReceiver(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
					w.Header().Set("X-Big", strings.Repeat("h", 1<<20))
					w.WriteHeader(http.StatusOK)
				}).URL
			},
			wantOutcome: "connection_error", wantErr: "response headers are larger than 64 KiB", wantStatus: "retrying",
		},
		{name: "301", url: redirect(301), wantOutcome: "redirect", wantCode: 301, wantErr: "/moved", wantStatus: "retrying"},
		{name: "302", url: redirect(302), wantOutcome: "redirect", wantCode: 302, wantErr: "/moved", wantStatus: "retrying"},
		{name: "307", url: redirect(307), wantOutcome: "redirect", wantCode: 307, wantErr: "/moved", wantStatus: "retrying"},
		{name: "308", url: redirect(308), wantOutcome: "redirect", wantCode: 308, wantErr: "/moved", wantStatus: "retrying"},
		{
			name: "sleeps past the attempt timeout",
			url: func(t *testing.T) string {
				return newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
					select {
					case <-time.After(5 * time.Second):
					case <-r.Context().Done():
					}
				}).URL
			},
			wantOutcome: "timeout", wantStatus: "retrying",
			check: func(t *testing.T, a attempt) {
				if a.durationMs < 450 || a.durationMs > 2500 {
					t.Errorf("duration %d ms, want about the 500ms timeout", a.durationMs)
				}
			},
		},
		{
			name: "headers then a body slower than the timeout",
			url: func(t *testing.T) string {
				return newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
					w.WriteHeader(http.StatusBadGateway)
					_, _ = w.Write([]byte("partial"))
					w.(http.Flusher).Flush()
					select {
					case <-time.After(5 * time.Second):
					case <-r.Context().Done():
					}
				}).URL
			},
			wantOutcome: "timeout", wantCode: 502, wantStatus: "retrying",
		},
		{
			name: "connection refused",
			url: func(t *testing.T) string {
				return "http://" + testnet.ClosedAddr(t)
			},
			wantOutcome: "connection_error", wantErr: "refused", wantStatus: "retrying",
		},
		{
			name: "TLS with an untrusted certificate",
			url: func(t *testing.T) string {
				srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
					t.Error("the request went through an untrusted TLS connection")
				}))
				srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
				srv.StartTLS()
				t.Cleanup(srv.Close)
				return srv.URL
			},
			wantOutcome: "tls_error", wantErr: "TLS", wantStatus: "retrying",
		},
		{
			name: "dropped before answering", url: hijack(""),
			wantOutcome: "connection_error", wantStatus: "retrying",
		},
		{
			name: "dropped mid-headers", url: hijack("HTTP/1.1 200 OK\r\nContent-Type: text/pl"),
			wantOutcome: "connection_error", wantStatus: "retrying",
		},
		{
			name: "dropped mid-body of an error", url: hijack("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\nhalf"),
			wantOutcome: "http_error", wantCode: 500, wantStatus: "retrying",
		},
		{
			name: "answer over 16 KiB", url: respond(http.StatusOK, big),
			wantOutcome: "success", wantCode: 200, wantStatus: "succeeded",
			check: func(t *testing.T, a attempt) {
				if a.body != big[:16384] || !a.truncated {
					t.Errorf("stored %d bytes, truncated %v; want the first 16384, truncated", len(a.body), a.truncated)
				}
			},
		},
		{
			name: "error answer over 16 KiB", url: respond(http.StatusInternalServerError, big),
			wantOutcome: "http_error", wantCode: 500, wantStatus: "retrying",
			check: func(t *testing.T, a attempt) {
				if len(a.body) != 16384 || !a.truncated {
					t.Errorf("stored %d bytes, truncated %v; want 16384, truncated", len(a.body), a.truncated)
				}
			},
		},
		{
			name: "answer of exactly 16 KiB", url: respond(http.StatusOK, big[:16384]),
			wantOutcome: "success", wantCode: 200, wantStatus: "succeeded",
			check: func(t *testing.T, a attempt) {
				if len(a.body) != 16384 || a.truncated {
					t.Errorf("stored %d bytes, truncated %v; want 16384, not truncated", len(a.body), a.truncated)
				}
			},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			user := app.NewUser(t, fmt.Sprintf("outcome%d@example.com", i))
			app.NewEndpoint(t, user, tt.url(t)+"/hook")
			id := publishOne(t, app, user)
			d := app.WaitDelivery(t, id, 10*time.Second, attempts(1))
			got := d.Attempts[0]
			if got.Outcome != tt.wantOutcome {
				t.Errorf("outcome %s (error %v), want %s", got.Outcome, deref(got.Error), tt.wantOutcome)
			}
			switch {
			case tt.wantCode == 0 && got.StatusCode != nil:
				t.Errorf("status code %d, want null", *got.StatusCode)
			case tt.wantCode != 0 && (got.StatusCode == nil || *got.StatusCode != tt.wantCode):
				t.Errorf("status code %v, want %d", deref(got.StatusCode), tt.wantCode)
			}
			if tt.wantCode != 0 && (d.LastStatusCode == nil || *d.LastStatusCode != tt.wantCode) {
				t.Errorf("delivery lastStatusCode %v, want %d", deref(d.LastStatusCode), tt.wantCode)
			}
			if tt.wantErr != "" && (got.Error == nil || !strings.Contains(*got.Error, tt.wantErr)) {
				t.Errorf("error %v, want it to mention %q", deref(got.Error), tt.wantErr)
			}
			if tt.wantOutcome == "success" && got.Error != nil {
				t.Errorf("a success has error %q", *got.Error)
			}
			if tt.wantOutcome != "success" && got.Error == nil {
				t.Errorf("a failure has no error text")
			}
			if tt.wantStatus != "" && d.Status != tt.wantStatus {
				t.Errorf("delivery status %s, want %s", d.Status, tt.wantStatus)
			}
			if tt.check != nil {
				tt.check(t, attempt{body: got.ResponseBody, truncated: got.Truncated, durationMs: got.DurationMs})
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// respond starts a receiver answering code with body.
func respond(code int, body string) func(t *testing.T) string {
	return func(t *testing.T) string {
		return newReceiver(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}).URL
	}
}

// redirect starts a receiver that redirects to a second receiver, which
// must never be requested: redirects are not followed.
func redirect(code int) func(t *testing.T) string {
	return func(t *testing.T) string {
		target := newReceiver(t, nil)
		t.Cleanup(func() {
			if n := len(target.Hits()); n != 0 {
				t.Errorf("the redirect target got %d requests, want none", n)
			}
		})
		return newReceiver(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Location", target.URL+"/moved")
			w.WriteHeader(code)
		}).URL
	}
}

// hijack starts a receiver that writes raw, then drops the connection.
func hijack(raw string) func(t *testing.T) string {
	return func(t *testing.T) string {
		return newReceiver(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = buf.WriteString(raw)
			_ = buf.Flush()
			_ = conn.Close()
		}).URL
	}
}
