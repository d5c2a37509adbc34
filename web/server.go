// Package web is the HTTP side of the service: one route table (routes.go)
// for the service API, the dashboard and the health checks, with one file
// per action.
package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/metrics"
	"github.com/clipcabinet/webhooks/internal/netguard"
	"github.com/clipcabinet/webhooks/internal/store"
)

// Server serves the API, the dashboard and the health checks.
type Server struct {
	cfg   config.Config
	store *store.Store
	log   *slog.Logger
	guard netguard.Policy
	wake  func(endpoints ...string)
	mux   *http.ServeMux
	mx    *metrics.Metrics

	// The dashboard's: cookie sessions, the login throttle, and the whole
	// handler (security headers and cross-origin protection around mux).
	sessions *scs.SessionManager
	throttle *auth.Throttle
	// knownGood: addresses each account logged in from (the account limit
	// does not apply there); signups: sign-up attempts per address.
	knownGood auth.KnownGood
	signups   *auth.Throttle
	// testEvents counts test events per user (CLIPCABINET_TEST_EVENTS_PER_MINUTE).
	testEvents *auth.Throttle
	// hasher bounds the argon2id hashes running and waiting at once.
	hasher  *auth.Hasher
	handler http.Handler
	// dashRoutes lists the dashboard's patterns, for tests that walk them.
	dashRoutes []string
}

// Deps is what the server needs.
type Deps struct {
	Config config.Config
	Store  *store.Store
	Logger *slog.Logger
	// Wake tells the dispatcher that deliveries are due now (after a publish
	// or a manual retry). May be nil.
	Wake func(endpoints ...string)
	// Lookup overrides DNS for endpoint URL checks (tests). Nil: the system resolver.
	Guard *netguard.Policy
	// Sessions is the dashboard's session manager (NewSessions). Nil: one
	// on Store's pool without a cleanup goroutine.
	Sessions *scs.SessionManager
	// Metrics, when set, counts publishes; its /metrics is served here
	// behind the API token unless Config.MetricsAddr serves it apart.
	Metrics *metrics.Metrics
	// Hasher runs password hashes. Nil: auth.NewDefaultHasher.
	Hasher *auth.Hasher
}

// New builds the server and its route table.
func New(d Deps) *Server {
	s := &Server{cfg: d.Config, store: d.Store, log: d.Logger, wake: d.Wake, mux: http.NewServeMux()}
	if s.wake == nil {
		s.wake = func(...string) {}
	}
	s.guard = netguard.Policy{AllowPrivate: d.Config.AllowPrivateTargets}
	if d.Guard != nil {
		s.guard = *d.Guard
	}
	s.mx = d.Metrics
	s.sessions = d.Sessions
	if s.sessions == nil && d.Store != nil {
		s.sessions, _ = NewSessions(d.Config, d.Store.Pool, 0)
	}
	s.throttle = auth.NewThrottle(auth.LoginWindow, nil)
	s.knownGood = auth.NewKnownGood(nil)
	s.signups = auth.NewThrottle(auth.SignupWindow, nil)
	s.testEvents = auth.NewThrottle(time.Minute, nil)
	s.hasher = d.Hasher
	if s.hasher == nil {
		s.hasher = auth.NewDefaultHasher()
	}
	s.routes()
	s.handler = s.clientAddress(s.securityHeaders(s.crossOriginProtection(s.mux)))
	return s
}

// ServeHTTP serves a request, turning a panic into a logged 500.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	s.handler.ServeHTTP(w, r)
}
