package netguard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"code.dny.dev/ssrf"
)

// countingServer is a real loopback receiver that counts the requests it gets.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func send(t *testing.T, c *http.Client, method, url string) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(`{"event":"test"}`))
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

func TestClientBlocksNonPublicAtDial(t *testing.T) {
	t.Parallel()
	v4, v4hits := countingServer(t, nil)
	_, port, err := net.SplitHostPort(v4.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		url  string
		hits *atomic.Int64
	}{
		{name: "ipv4 loopback literal", url: v4.URL + "/hook", hits: v4hits},
		// The name is resolved by the transport (from /etc/hosts, no DNS
		// traffic); the check runs on the resolved address, as it would for
		// a name rebound to 127.0.0.1 after CheckURL accepted it.
		{name: "name resolving to loopback", url: "http://localhost:" + port + "/hook", hits: v4hits},
	}

	// IPv6 loopback, when this machine has it.
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		var v6hits atomic.Int64
		v6 := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { v6hits.Add(1) }))
		v6.Listener.Close()
		v6.Listener = ln
		v6.Start()
		t.Cleanup(v6.Close)
		tests = append(tests, struct {
			name string
			url  string
			hits *atomic.Int64
		}{name: "ipv6 loopback literal", url: v6.URL + "/hook", hits: &v6hits})
	}

	c := NewClient(ClientOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the subtests share v4hits.
			resp, err := send(t, c, http.MethodPost, tt.url)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("POST %s succeeded with status %d, want blocked at dial", tt.url, resp.StatusCode)
			}
			if !IsBlocked(err) {
				t.Errorf("POST %s error = %v, want IsBlocked", tt.url, err)
			}
			if !errors.Is(err, ssrf.ErrProhibitedIP) {
				t.Errorf("POST %s error = %v, want it to wrap ssrf.ErrProhibitedIP", tt.url, err)
			}
			if n := tt.hits.Load(); n != 0 {
				t.Errorf("server handled %d requests, want 0", n)
			}
		})
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		code int
	}{
		{name: "301 moved permanently", code: http.StatusMovedPermanently},
		{name: "302 found", code: http.StatusFound},
		{name: "303 see other", code: http.StatusSeeOther},
		{name: "307 temporary redirect", code: http.StatusTemporaryRedirect},
		{name: "308 permanent redirect", code: http.StatusPermanentRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target, targetHits := countingServer(t, nil)
			location := target.URL + "/elsewhere"
			from, fromHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, location, tt.code)
			})

			c := NewClient(ClientOptions{Policy: Policy{AllowPrivate: true}})
			resp, err := send(t, c, http.MethodPost, from.URL+"/hook")
			if err != nil {
				t.Fatalf("POST error = %v, want the %d response", err, tt.code)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.code)
			}
			if got := resp.Header.Get("Location"); got != location {
				t.Errorf("Location = %q, want %q", got, location)
			}
			if n := fromHits.Load(); n != 1 {
				t.Errorf("redirecting server handled %d requests, want 1", n)
			}
			if n := targetHits.Load(); n != 0 {
				t.Errorf("redirect target handled %d requests, want 0", n)
			}
		})
	}
}

// Not parallel: t.Setenv.
func TestClientIgnoresProxyEnvironment(t *testing.T) {
	proxy, proxyHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	// Go never proxies loopback or "localhost", so a request to the test
	// receivers would prove nothing. Use a name that is not in /etc/hosts and
	// that the Go resolver rejects without sending a DNS query (a label longer
	// than 63 bytes): through a proxy the request reaches the proxy; direct,
	// it fails with "no such host" and no traffic leaves the machine.
	target := "http://" + strings.Repeat("a", 64) + ".test/hook"

	// Control: a transport that honours the environment does reach the proxy.
	// (Not http.ProxyFromEnvironment: it reads the environment once per
	// process, so it would miss t.Setenv on a second run with -count.)
	control := &http.Client{Transport: &http.Transport{Proxy: func(*http.Request) (*url.URL, error) {
		return url.Parse(os.Getenv("HTTP_PROXY"))
	}}}
	resp, err := send(t, control, http.MethodPost, target)
	if err != nil {
		t.Fatalf("control request through the environment's proxy: %v", err)
	}
	resp.Body.Close()
	if n := proxyHits.Load(); n != 1 {
		t.Fatalf("control: proxy handled %d requests, want 1 (test setup is broken)", n)
	}

	for _, allow := range []bool{true, false} {
		c := NewClient(ClientOptions{Policy: Policy{AllowPrivate: allow}})
		resp, err := send(t, c, http.MethodPost, target)
		if err == nil {
			resp.Body.Close()
			t.Errorf("AllowPrivate=%v: POST %s got status %d, want a direct dial that fails to resolve", allow, target, resp.StatusCode)
		}
		var dnsErr *net.DNSError
		if err != nil && !errors.As(err, &dnsErr) {
			t.Errorf("AllowPrivate=%v: POST %s error = %v, want a DNS error from a direct dial", allow, target, err)
		}
	}
	if n := proxyHits.Load(); n != 1 {
		t.Errorf("proxy handled %d requests from netguard clients, want 0", n-1)
	}
}

func TestClientKeepAlive(t *testing.T) {
	t.Parallel()
	var conns, hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	c := NewClient(ClientOptions{Policy: Policy{AllowPrivate: true}})
	const n = 20
	for i := range n {
		resp, err := send(t, c, http.MethodPost, srv.URL+"/hook")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			t.Fatalf("request %d: reading body: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200", i, resp.StatusCode)
		}
	}
	if got := hits.Load(); got != n {
		t.Errorf("server handled %d requests, want %d", got, n)
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("server saw %d new connections over %d sequential requests, want 1", got, n)
	}
}

func TestNewClientConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     ClientOptions
		wantIdle int
		wantMax  int
	}{
		{name: "defaults", opts: ClientOptions{}, wantIdle: 64, wantMax: 0},
		{name: "explicit", opts: ClientOptions{MaxConnsPerHost: 8, MaxIdleConnsPerHost: 4}, wantIdle: 4, wantMax: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := NewClient(tt.opts)
			if c.Timeout != 0 {
				t.Errorf("Timeout = %v, want 0 (callers use a context deadline)", c.Timeout)
			}
			tr, ok := c.Transport.(*http.Transport)
			if !ok {
				t.Fatalf("Transport is %T, want *http.Transport", c.Transport)
			}
			if tr.Proxy != nil {
				t.Error("Proxy is set, want nil")
			}
			if tr.DisableKeepAlives {
				t.Error("DisableKeepAlives = true, want keep-alives")
			}
			if !tr.DisableCompression {
				t.Error("DisableCompression = false, want true")
			}
			if !tr.ForceAttemptHTTP2 {
				t.Error("ForceAttemptHTTP2 = false, want true")
			}
			if tr.TLSHandshakeTimeout <= 0 || tr.IdleConnTimeout <= 0 {
				t.Errorf("TLSHandshakeTimeout = %v, IdleConnTimeout = %v, want both set", tr.TLSHandshakeTimeout, tr.IdleConnTimeout)
			}
			if tr.MaxIdleConnsPerHost != tt.wantIdle || tr.MaxConnsPerHost != tt.wantMax {
				t.Errorf("MaxIdleConnsPerHost = %d, MaxConnsPerHost = %d, want %d, %d",
					tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost, tt.wantIdle, tt.wantMax)
			}
		})
	}
}
