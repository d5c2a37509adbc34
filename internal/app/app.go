// Package app builds the service from its configuration: the pool, the
// store, the dispatcher, the maintainer, metrics, the dashboard's sessions
// and the HTTP handler. `clipcabinet serve` and the tests
// (internal/testapp) both build it here, so what runs in a test is wired as
// what runs in production; they differ only by Options.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/mail"
	"github.com/clipcabinet/webhooks/internal/maintain"
	"github.com/clipcabinet/webhooks/internal/metrics"
	"github.com/clipcabinet/webhooks/internal/netguard"
	"github.com/clipcabinet/webhooks/internal/service"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/web"
)

// Options are what differs between serve and the tests. The zero value is
// serve's, with no migration and no session cleanup.
type Options struct {
	// Logger [slog.Default()].
	Logger *slog.Logger
	// MaxConns is the pool's size [24].
	MaxConns int32
	// WarmConns is how many connections the pool keeps open, each readied
	// for the publish and the dispatcher's statements when it is opened
	// (store.PoolOptions.Warm) [4: the flusher, the claimer, the completer
	// and one more, what a burst after idle needs at once].
	WarmConns int32
	// Migrate applies pending migrations before anything else.
	Migrate bool
	// Now is the clock of the store and the dispatcher [time.Now].
	Now func() time.Time
	// NoDispatcher leaves the dispatcher stopped by Start (deliveries stay
	// queued until the test starts it); Stop still stops it.
	NoDispatcher bool
	// OnResult is called after each recorded result, after metrics and the
	// maintainer saw it.
	OnResult func(store.Result)
	// Poll and LeaseMargin are the dispatcher's (see dispatch.Options).
	Poll, LeaseMargin time.Duration
	// MaintainInterval is the pause between the maintainer's rounds
	// [maintain's].
	MaintainInterval time.Duration
	// SessionCleanup is how often expired dashboard sessions are deleted;
	// 0: never (tests, whose databases are dropped anyway).
	SessionCleanup time.Duration
	// MailBackoff and MailPoll are the mailer's (see mail.Options).
	MailBackoff func(n int) time.Duration
	MailPoll    time.Duration
}

// App is the built service.
type App struct {
	Config     config.Config
	Log        *slog.Logger
	Pool       *pgxpool.Pool
	Store      *store.Store
	Dispatcher *dispatch.Dispatcher
	Maintainer *maintain.Maintainer
	// Mailer sends the notices' emails; nil without CLIPCABINET_SMTP_URL.
	Mailer   *mail.Mailer
	Metrics  *metrics.Metrics
	Sessions *scs.SessionManager
	// Handler serves the dashboard, the API and the health checks.
	Handler http.Handler

	services []service.Service // in start order
	skip     map[service.Service]bool
	stopOnce sync.Once
}

// New connects to the database, checks that the encryption key opens the
// stored secrets (when the schema is current), and builds every piece. It
// starts nothing: see Start.
func New(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 24
	}
	if o.WarmConns <= 0 {
		o.WarmConns = 4
	}
	pool, err := store.Connect(ctx, cfg.DatabaseURL, store.PoolOptions{MaxConns: o.MaxConns, Warm: o.WarmConns})
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, o, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg config.Config, o Options, pool *pgxpool.Pool) (*App, error) {
	log := o.Logger
	if o.Migrate {
		if err := store.Migrate(ctx, pool); err != nil {
			return nil, err
		}
	}
	st, err := store.New(pool, store.Options{EncryptionKey: cfg.EncryptionKey, Now: o.Now, Mail: cfg.SMTPURL != nil})
	if err != nil {
		return nil, err
	}
	// The key must open what is stored. Without the schema (--no-migrate
	// on a new database) there is nothing to open yet, and /readyz says so.
	if current, _ := store.SchemaCurrent(ctx, pool); !current {
		log.WarnContext(ctx, "encryption key not checked: the database schema is not current")
	} else if err := st.CheckKey(ctx); errors.Is(err, store.ErrWrongKey) {
		return nil, fmt.Errorf("configuration:\nCLIPCABINET_ENCRYPTION_KEY: is not the key the stored signing secrets were sealed with (%v); "+
			"start with that key, or re-encrypt them with: clipcabinet key rotate --old <that key> --new <this key>", err)
	} else if err != nil {
		return nil, err
	}

	a := &App{Config: cfg, Log: log, Pool: pool, Store: st, skip: map[service.Service]bool{}}
	a.Maintainer = maintain.New(maintain.Options{
		Store: st, Logger: log, Retention: cfg.Retention, DisableAfter: cfg.DisableAfter,
		DisableMinFailures: cfg.DisableMinFailures, ScheduleSpan: cfg.ScheduleSpan(), Interval: o.MaintainInterval,
	})
	a.Metrics = metrics.New(st, func() int { return a.Dispatcher.InFlight() })
	a.Dispatcher = dispatch.New(dispatch.Options{
		Store: st, Logger: log,
		Client: netguard.NewClient(netguard.ClientOptions{
			Policy: netguard.Policy{AllowPrivate: cfg.AllowPrivateTargets},
			// Endpoints share hosts (many customers' endpoints at one
			// integration platform, a fan-out to one service's URLs), so
			// as many attempts as the workers can be in flight to one
			// host. A smaller keep-alive pool closed the connections
			// above it after each attempt and dialled new ones for the
			// next: 13 % of the server's CPU in a fan-out to 20
			// endpoints on one host (scripts/profile.sh fanout, PPROF=1).
			MaxIdleConnsPerHost: max(cfg.Workers, cfg.EndpointConcurrency),
		}),
		Schedule: cfg.RetrySchedule, AttemptTimeout: cfg.AttemptTimeout, Workers: cfg.Workers,
		EndpointConcurrency: cfg.EndpointConcurrency, ClaimBatch: cfg.ClaimBatch,
		LeaseMargin: o.LeaseMargin, Poll: o.Poll, Now: o.Now,
		OnResult: func(r store.Result) {
			a.Metrics.ObserveResult(r)
			a.Maintainer.Observe(r)
			if o.OnResult != nil {
				o.OnResult(r)
			}
		},
	})
	// Dashboard sessions live in the sessions table, read and written
	// through the store.
	a.Sessions, _ = web.NewSessions(cfg, pool, 0)
	a.Sessions.Store = st.Sessions()
	a.Handler = web.New(web.Deps{
		Config: cfg, Store: st, Logger: log, Wake: a.Dispatcher.Wake, Sessions: a.Sessions, Metrics: a.Metrics,
	})

	a.services = []service.Service{a.Dispatcher, a.Maintainer}
	if o.NoDispatcher {
		a.skip[a.Dispatcher] = true
	}
	if cfg.SMTPURL != nil {
		a.Mailer = mail.New(mail.Options{
			Store: st, Logger: log, SMTP: cfg.SMTPURL, Port: cfg.SMTPPort(), From: cfg.MailFrom, BaseURL: cfg.BaseURL,
			UnsubscribeKey: cfg.EncryptionKey, Backoff: o.MailBackoff, Poll: o.MailPoll,
		})
		a.services = append(a.services, a.Mailer)
	} else {
		log.InfoContext(ctx, "CLIPCABINET_SMTP_URL is not set: owner notices are shown in the dashboard only, no email is sent")
	}
	if o.SessionCleanup > 0 {
		a.services = append(a.services, NewSessionCleanup(st, log, o.SessionCleanup))
	}
	return a, nil
}

// Start starts the background services in order: the dispatcher (unless
// Options.NoDispatcher), the maintainer, the mailer (with SMTP), the
// session cleanup.
func (a *App) Start(ctx context.Context) {
	for _, s := range a.services {
		if !a.skip[s] {
			s.Start(ctx)
		}
	}
}

// Stop stops the background services in the reverse order, each finishing
// its work in progress until ctx is done, then closes the pool. It is safe
// before Start and more than once.
func (a *App) Stop(ctx context.Context) {
	a.stopOnce.Do(func() {
		for i := len(a.services) - 1; i >= 0; i-- {
			a.services[i].Stop(ctx)
		}
		a.Pool.Close()
	})
}

// SessionCleanup deletes expired dashboard sessions every interval.
type SessionCleanup struct {
	st    *store.Store
	log   *slog.Logger
	every time.Duration
	loop  service.Loop
}

// NewSessionCleanup builds the cleanup; it does nothing until Start.
func NewSessionCleanup(st *store.Store, log *slog.Logger, every time.Duration) *SessionCleanup {
	return &SessionCleanup{st: st, log: log.With("component", "sessions"), every: every}
}

// Start runs the cleanup until Stop.
func (c *SessionCleanup) Start(ctx context.Context) { c.loop.Start(ctx, c.run) }

// Stop ends the loop after the statement in progress, waiting for it until
// ctx is done.
func (c *SessionCleanup) Stop(ctx context.Context) { c.loop.Stop(ctx) }

func (c *SessionCleanup) run(ctx context.Context) {
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-c.loop.Stopping():
			return
		case <-t.C:
			if _, err := c.st.SessionsPrune(ctx); err != nil {
				c.log.WarnContext(ctx, "deleting expired sessions", "err", err)
			}
		}
	}
}
