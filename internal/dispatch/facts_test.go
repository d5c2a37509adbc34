package dispatch_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/testnet"
)

// TestAttemptFacts: each attempt records its phase timings (null where the
// phase did not happen), the response headers as received (at most 8 KiB)
// and the address dialled; the delivery keeps the last attempt's outcome.
// Timings are checked for presence, never for values.
func TestAttemptFacts(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{Env: map[string]string{
		"CLIPCABINET_RETRY_SCHEDULE":  "1h",
		"CLIPCABINET_ATTEMPT_TIMEOUT": "2s",
	}})
	type attempt = struct {
		outcome    string
		timings    [4]*int // dns, connect, tls, first byte
		headers    map[string]string
		remoteAddr *string
	}
	// deliver publishes one event to a new user's endpoint at url and
	// returns its first attempt, and the delivery's lastOutcome.
	deliver := func(t *testing.T, user, url string) (attempt, string) {
		t.Helper()
		id := publishOne(t, app, user)
		d := app.WaitDelivery(t, id, 10*time.Second, attempts(1))
		a := d.Attempts[0]
		last := ""
		if d.LastOutcome != nil {
			last = *d.LastOutcome
		}
		return attempt{
			outcome: a.Outcome, headers: a.ResponseHeaders, remoteAddr: a.RemoteAddr,
			timings: [4]*int{a.Timings.DNSMs, a.Timings.ConnectMs, a.Timings.TLSMs, a.Timings.FirstByteMs},
		}, last
	}
	newUser := func(t *testing.T, url string) string {
		t.Helper()
		user := app.NewUser(t, strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))+"@example.com")
		app.NewEndpoint(t, user, url)
		return user
	}
	// phases says which phases happened: d(ns) c(onnect) t(ls) f(irst byte).
	phases := func(t *testing.T, a attempt) string {
		s := ""
		for i, p := range a.timings {
			if p != nil {
				if *p < 0 {
					t.Errorf("phase %d is %d ms", i, *p)
				}
				s += string("dctf"[i])
			}
		}
		return s
	}

	t.Run("fresh then reused connection", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Add("X-Trace", "a")
			w.Header().Add("X-Trace", "b")
			w.Header().Set("X-Big", strings.Repeat("x", 10<<10)) // over 8 KiB: left out
			w.WriteHeader(http.StatusOK)
		})
		user := newUser(t, rc.URL)
		first, last := deliver(t, user, rc.URL)
		addr := strings.TrimPrefix(rc.URL, "http://")
		if first.outcome != "success" || last != "success" {
			t.Errorf("outcome %q, lastOutcome %q; want success", first.outcome, last)
		}
		// An IP literal needs no DNS; plain HTTP has no TLS.
		if got := phases(t, first); got != "cf" {
			t.Errorf("fresh connection: phases %q, want connect and first byte", got)
		}
		if first.remoteAddr == nil || *first.remoteAddr != addr {
			t.Errorf("remoteAddr %v, want %s", first.remoteAddr, addr)
		}
		if first.headers["X-Trace"] != "a, b" || first.headers["Content-Length"] != "0" {
			t.Errorf("responseHeaders %v, want X-Trace \"a, b\" and Content-Length 0", first.headers)
		}
		if _, ok := first.headers["X-Big"]; ok {
			t.Error("a 10 KiB header was kept; at most 8 KiB of headers are")
		}
		second, _ := deliver(t, user, rc.URL)
		if got := phases(t, second); got != "f" {
			t.Errorf("reused connection: phases %q, want only first byte", got)
		}
		if second.remoteAddr == nil || *second.remoteAddr != addr {
			t.Errorf("reused connection: remoteAddr %v, want %s", second.remoteAddr, addr)
		}
	})

	t.Run("host name needs DNS", func(t *testing.T) {
		t.Parallel()
		rc := newReceiver(t, nil)
		url := strings.Replace(rc.URL, "127.0.0.1", "localhost", 1)
		a, _ := deliver(t, newUser(t, url), url)
		if a.outcome != "success" {
			t.Fatalf("outcome %q, want success", a.outcome)
		}
		if got := phases(t, a); got != "dcf" {
			t.Errorf("phases %q, want dns, connect and first byte", got)
		}
	})

	t.Run("TLS handshake fails", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		t.Cleanup(srv.Close)
		a, last := deliver(t, newUser(t, srv.URL), srv.URL)
		if a.outcome != "tls_error" || last != "tls_error" {
			t.Errorf("outcome %q, lastOutcome %q; want tls_error", a.outcome, last)
		}
		if got := phases(t, a); got != "ct" {
			t.Errorf("phases %q, want connect and tls", got)
		}
		if len(a.headers) != 0 {
			t.Errorf("responseHeaders %v with no response", a.headers)
		}
	})

	t.Run("closed port", func(t *testing.T) {
		t.Parallel()
		addr := testnet.ClosedAddr(t)
		url := "http://" + addr + "/hook"
		a, last := deliver(t, newUser(t, url), url)
		if a.outcome != "connection_error" || last != "connection_error" {
			t.Errorf("outcome %q, lastOutcome %q; want connection_error", a.outcome, last)
		}
		if a.remoteAddr == nil || *a.remoteAddr != addr {
			t.Errorf("remoteAddr %v, want %s", a.remoteAddr, addr)
		}
		if got := phases(t, a); got != "" {
			t.Errorf("phases %q, want none (no connection was made)", got)
		}
		if a.headers == nil || len(a.headers) != 0 {
			t.Errorf("responseHeaders %v, want {}", a.headers)
		}
	})
}
