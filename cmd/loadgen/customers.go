package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/webhook"
)

// customers fills the database with other customers, as a production
// database has them: n users with an enabled endpoint each, subscribed to
// every event type, then analyzed. The load never publishes to them; they
// are there so the planner sees tables of a real size (a publish that
// hashed the whole users and endpoints tables went unnoticed while the
// bench had 20 users). Rows are copied in, each endpoint's secret sealed
// with the server's key as the store seals it (about a second for
// 20,000). Their URL (--url) is never sent to.
func customers(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("customers", flag.ContinueOnError)
	dbURL := fs.String("db", os.Getenv("DATABASE_URL"), "database URL")
	n := fs.Int("n", 20000, "users to add, with one endpoint each")
	url := fs.String("url", "https://customer.invalid/webhooks", "their endpoints' URL (never sent to)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("--n %d: at least 1", *n)
	}
	st, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer st.Pool.Close()
	users, endpoints := make([][]any, 0, *n), make([][]any, 0, *n)
	for i := range *n {
		user, ep := webhook.NewID(webhook.PrefixUser), webhook.NewID(webhook.PrefixEndpoint)
		sealed, err := st.SealSecret(ep, webhook.NewSecret())
		if err != nil {
			return err
		}
		users = append(users, []any{user, fmt.Sprintf("customer%d.%s@example.com", i, user)})
		endpoints = append(endpoints, []any{ep, user, *url, webhook.EventTypes, sealed})
	}
	tx, err := st.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "email"}, pgx.CopyFromRows(users)); err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"endpoints"}, []string{"id", "user_id", "url", "events", "secret_encrypted"},
		pgx.CopyFromRows(endpoints)); err != nil {
		return fmt.Errorf("copy endpoints: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if _, err := st.Pool.Exec(ctx, "ANALYZE users; ANALYZE endpoints"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %d customers with an endpoint each\n", *n)
	return nil
}
