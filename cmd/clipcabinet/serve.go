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

	"github.com/clipcabinet/webhooks/internal/app"
	"github.com/clipcabinet/webhooks/internal/config"
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
	tuneGC(getenv)

	a, err := app.New(ctx, cfg, app.Options{
		Logger: log, Migrate: !*noMigrate,
		SessionCleanup: 5 * time.Minute, // expired dashboard sessions
	})
	if err != nil {
		return err
	}
	// Stopped in order below; this covers the early returns.
	defer a.Stop(context.Background())
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           a.Handler,
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
	a.Start(ctx)
	go releaseWhenIdle(ctx)
	if cfg.MetricsAddr != "" {
		msrv := &http.Server{Addr: cfg.MetricsAddr, Handler: a.Metrics.Handler(), ReadHeaderTimeout: 10 * time.Second}
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
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
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests and attempts in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	a.Stop(sctx)
	log.Info("stopped")
	return nil
}
