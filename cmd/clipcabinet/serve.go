package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/maintain"
	"github.com/clipcabinet/webhooks/internal/metrics"
	"github.com/clipcabinet/webhooks/internal/netguard"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/web"
)

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	noMigrate := fs.Bool("no-migrate", false, "do not apply migrations at start")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err == nil {
		err = cfg.RequireServe()
	}
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(cfg, stderr)

	pool, err := store.Connect(ctx, cfg.DatabaseURL, 24)
	if err != nil {
		return err
	}
	defer pool.Close()
	if !*noMigrate {
		if err := store.Migrate(ctx, pool); err != nil {
			return err
		}
	}
	st, err := store.New(pool, store.Options{EncryptionKey: cfg.EncryptionKey})
	if err != nil {
		return err
	}
	// The key must open what is stored. Without the schema (--no-migrate
	// on a new database) there is nothing to open yet, and /readyz says so.
	if current, _ := store.SchemaCurrent(ctx, pool); !current {
		log.WarnContext(ctx, "encryption key not checked: the database schema is not current")
	} else if err := st.CheckKey(ctx); errors.Is(err, store.ErrWrongKey) {
		return fmt.Errorf("configuration:\nCLIPCABINET_ENCRYPTION_KEY: is not the key the stored signing secrets were sealed with (%v); "+
			"start with that key, or re-encrypt them with: clipcabinet key rotate --old <that key> --new <this key>", err)
	} else if err != nil {
		return err
	}

	mt := maintain.New(maintain.Options{
		Store: st, Logger: log, Retention: cfg.Retention, DisableAfter: cfg.DisableAfter,
		DisableMinFailures: cfg.DisableMinFailures, ScheduleSpan: cfg.ScheduleSpan(),
	})
	var d *dispatch.Dispatcher
	mx := metrics.New(st, func() int { return d.InFlight() })
	d = dispatch.New(dispatch.Options{
		Store: st, Logger: log,
		OnResult: func(r store.Result) {
			mx.ObserveResult(r)
			mt.Observe(r)
		},
		Client: netguard.NewClient(netguard.ClientOptions{
			Policy:              netguard.Policy{AllowPrivate: cfg.AllowPrivateTargets},
			MaxIdleConnsPerHost: cfg.EndpointConcurrency,
		}),
		Schedule: cfg.RetrySchedule, AttemptTimeout: cfg.AttemptTimeout, Workers: cfg.Workers,
		EndpointConcurrency: cfg.EndpointConcurrency, ClaimBatch: cfg.ClaimBatch,
	})
	// Dashboard sessions live in the sessions table; expired rows are
	// deleted every 5 minutes.
	sessions, stopSessions := web.NewSessions(cfg, pool, 5*time.Minute)
	defer stopSessions()
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           web.New(web.Deps{Config: cfg, Store: st, Logger: log, Wake: d.Wake, Sessions: sessions, Metrics: mx}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("CLIPCABINET_ADDR: %w", err)
	}
	d.Start(ctx)
	mt.Start(ctx)
	defer mt.Stop()
	if cfg.MetricsAddr != "" {
		msrv := &http.Server{Addr: cfg.MetricsAddr, Handler: mx.Handler(), ReadHeaderTimeout: 10 * time.Second}
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			d.Stop(context.Background())
			return fmt.Errorf("CLIPCABINET_METRICS_ADDR: %w", err)
		}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info("metrics", "addr", mln.Addr().String())
	}
	if cfg.PprofAddr != "" {
		pmux := http.NewServeMux()
		pmux.HandleFunc("/debug/pprof/", pprof.Index)
		pmux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		pmux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		psrv := &http.Server{Addr: cfg.PprofAddr, Handler: pmux, ReadHeaderTimeout: 10 * time.Second}
		pln, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			d.Stop(context.Background())
			return fmt.Errorf("CLIPCABINET_PPROF_ADDR: %w", err)
		}
		go func() { _ = psrv.Serve(pln) }()
		defer psrv.Close()
		log.Info("pprof", "addr", pln.Addr().String())
	}
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL.String(),
		"api", cfg.APIToken != "", "private_targets", cfg.AllowPrivateTargets, "workers", cfg.Workers)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		d.Stop(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests and attempts in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	d.Stop(sctx)
	log.Info("stopped")
	return nil
}
