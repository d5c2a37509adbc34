package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/store"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	pool, err := connectDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer pool.Close()
	cmd := "up"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "up":
		if err := store.Migrate(ctx, pool); err != nil {
			return err
		}
		return store.MigrateStatus(ctx, pool, stdout)
	case "down":
		return store.MigrateDown(ctx, pool)
	case "status":
		return store.MigrateStatus(ctx, pool, stdout)
	}
	return fmt.Errorf("migrate: unknown subcommand %q (up, down or status)", cmd)
}

// connectDB opens a small pool on DATABASE_URL for the one-shot commands.
func connectDB(ctx context.Context, getenv func(string) string) (*pgxpool.Pool, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL: is required")
	}
	return store.Connect(ctx, cfg.DatabaseURL, store.PoolOptions{MaxConns: 2})
}
