// Package testapp starts the whole service in-process for a test: a fresh
// database and the service built by internal/app, as `clipcabinet serve`
// builds it, behind a loopback httptest server.
package testapp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/internal/app"
	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/mail"
	"github.com/clipcabinet/webhooks/internal/maintain"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
)

// Token is the API token every test app uses.
const Token = "test-token-0123456789abcdefghijklmn"

// App is a running service.
type App struct {
	URL        string
	DBURL      string
	Config     config.Config
	Pool       *pgxpool.Pool
	Store      *store.Store
	Dispatcher *dispatch.Dispatcher
	Maintainer *maintain.Maintainer
	Server     *httptest.Server
	Client     *http.Client
	// Mailer is nil without CLIPCABINET_SMTP_URL in Options.Env.
	Mailer *mail.Mailer

	stop func()
}

// Stop stops the service now, as the end of the test would (a restart:
// Start another on the same DATABASE_URL).
func (a *App) Stop() { a.stop() }

// Options adjusts the app before it starts.
type Options struct {
	// Env overrides environment variables given to config.Load.
	Env map[string]string
	// NoDispatcher leaves the dispatcher stopped (deliveries stay queued).
	NoDispatcher bool
	// OnResult is passed to the dispatcher.
	OnResult func(store.Result)
	// Now is the clock for the store and dispatcher.
	Now func() time.Time
	// MailBackoff is the mailer's wait after the nth failed try
	// [mail.DefaultBackoff].
	MailBackoff func(n int) time.Duration
}

// Start runs the service for t; everything stops when t ends.
func Start(t testing.TB, o Options) *App {
	t.Helper()
	env := map[string]string{
		"DATABASE_URL":                      testdb.NewURL(t),
		"CLIPCABINET_API_TOKEN":             Token,
		"CLIPCABINET_ENCRYPTION_KEY":        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"CLIPCABINET_ALLOW_PRIVATE_TARGETS": "true",
		"CLIPCABINET_RETRY_SCHEDULE":        "200ms,400ms",
		"CLIPCABINET_ATTEMPT_TIMEOUT":       "2s",
		"CLIPCABINET_WORKERS":               "32",
	}
	for k, v := range o.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("testapp: config: %v", err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if os.Getenv("TESTAPP_QUIET") != "" {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx := context.Background()
	// The maintainer's rounds are run by tests (Maintainer.RunOnce); its
	// loop reacts to 410s at once.
	a, err := app.New(ctx, cfg, app.Options{
		Logger: log, MaxConns: 16, Now: o.Now, NoDispatcher: o.NoDispatcher, OnResult: o.OnResult,
		LeaseMargin: 2 * time.Second, Poll: 200 * time.Millisecond, MaintainInterval: time.Hour,
		MailBackoff: o.MailBackoff, MailPoll: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("testapp: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	a.Start(ctx)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.Close()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			a.Stop(sctx)
		})
	}
	t.Cleanup(stop)
	return &App{URL: srv.URL, DBURL: cfg.DatabaseURL, Config: cfg, Pool: a.Pool, Store: a.Store, Dispatcher: a.Dispatcher,
		Maintainer: a.Maintainer, Mailer: a.Mailer, Server: srv, Client: srv.Client(), stop: stop}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// API calls the service API with the token. body may be nil, a string
// (sent as is) or a value marshalled to JSON. It returns the status and body.
func (a *App) API(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// MustAPI is API that fails the test unless the status is want, and decodes
// the answer into v (when v is not nil).
func (a *App) MustAPI(t testing.TB, want int, method, path string, body, v any) {
	t.Helper()
	code, out := a.API(t, method, path, body)
	if code != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, out)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, out, err)
		}
	}
}

// Endpoint is the API's endpoint answer.
type Endpoint struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

// NewUser creates a user through the API and returns its id.
func (a *App) NewUser(t testing.TB, email string) string {
	t.Helper()
	var u struct{ ID string }
	a.MustAPI(t, http.StatusCreated, "POST", "/api/v1/users", map[string]any{"email": email}, &u)
	return u.ID
}

// NewEndpoint creates an endpoint through the API.
func (a *App) NewEndpoint(t testing.TB, userID, url string, events ...string) Endpoint {
	t.Helper()
	if len(events) == 0 {
		events = []string{"recording.completed", "recording.failed", "comment.added"}
	}
	var ep Endpoint
	a.MustAPI(t, http.StatusCreated, "POST", "/api/v1/users/"+userID+"/endpoints",
		map[string]any{"url": url, "events": events}, &ep)
	return ep
}

// Delivery is the API's delivery detail answer.
type Delivery struct {
	ID             string  `json:"id"`
	EndpointID     string  `json:"endpointId"`
	Event          string  `json:"event"`
	Status         string  `json:"status"`
	AttemptCount   int     `json:"attemptCount"`
	NextAttemptAt  *string `json:"nextAttemptAt"`
	LastStatusCode *int    `json:"lastStatusCode"`
	Payload        *string `json:"payload"`
	FailureReason  *string `json:"failureReason"`
	LastOutcome    *string `json:"lastOutcome"`
	Attempts       []struct {
		Number       int     `json:"number"`
		Trigger      string  `json:"trigger"`
		StartedAt    string  `json:"startedAt"`
		DurationMs   int     `json:"durationMs"`
		StatusCode   *int    `json:"statusCode"`
		Outcome      string  `json:"outcome"`
		Error        *string `json:"error"`
		ResponseBody string  `json:"responseBody"`
		Truncated    bool    `json:"responseTruncated"`
		Timings      struct {
			DNSMs       *int `json:"dnsMs"`
			ConnectMs   *int `json:"connectMs"`
			TLSMs       *int `json:"tlsMs"`
			FirstByteMs *int `json:"firstByteMs"`
		} `json:"timings"`
		ResponseHeaders map[string]string `json:"responseHeaders"`
		RemoteAddr      *string           `json:"remoteAddr"`
	} `json:"attempts"`
}

// Delivery fetches a delivery through the API.
func (a *App) Delivery(t testing.TB, id string) Delivery {
	t.Helper()
	var d Delivery
	a.MustAPI(t, http.StatusOK, "GET", "/api/v1/deliveries/"+id, nil, &d)
	return d
}

// WaitDelivery polls until cond holds for the delivery, or fails after timeout.
func (a *App) WaitDelivery(t testing.TB, id string, timeout time.Duration, cond func(Delivery) bool) Delivery {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d := a.Delivery(t, id)
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %s: condition not met within %s; last state: %+v", id, timeout, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
