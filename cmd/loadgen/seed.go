package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// seed writes a backlog of deliveries straight into the database (COPY),
// as a publish would have, so a drain can be timed on its own. Everything
// is written in one transaction, so a running server sees none of it or all
// of it. With --due-in the deliveries fall due that long after the seed
// started rather than at once: a running server then meets the whole
// backlog at a known instant (its claimer sleeps until the earliest due
// row), after the seed's own work is done, so a measurement window that
// opens when the seed returns holds the drain and nothing of the seeding.
// Each body carries that instant as its load marker, so the receiver's
// latencies are from when the delivery fell due.
func seed(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	dbURL := fs.String("db", os.Getenv("DATABASE_URL"), "database URL")
	n := fs.Int("deliveries", 100000, "deliveries to seed")
	endpoints := fs.Int("endpoints", 1, "endpoints to spread them over")
	size := fs.Int("body", 1024, "approximate body size in bytes")
	url := fs.String("url", "http://127.0.0.1:9100/hook", "endpoint URL (the loadgen receiver)")
	receiverURL := fs.String("receiver", "http://127.0.0.1:9100", "receiver to tell the secrets to")
	dueIn := fs.Duration("due-in", 0, "the deliveries fall due this long after the seed starts")
	out := fs.String("out", "", "also write due and commit times (unix ns) as key=value lines here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer st.Pool.Close()
	pool := st.Pool
	user, err := st.UserCreate(ctx, store.NewUser{ID: webhook.NewID("user_"), Email: webhook.NewID("load") + "@example.com"})
	if err != nil {
		return err
	}
	var epIDs []string
	for range *endpoints {
		ep, secret, err := st.EndpointCreate(ctx, store.Actor{ID: "system"}, store.NewEndpoint{
			UserID: user.ID, URL: *url, Events: webhook.EventTypes, Enabled: true,
		})
		if err != nil {
			return err
		}
		epIDs = append(epIDs, ep.ID)
		if err := receiverPost(*receiverURL+"/control/secret", secret); err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	due := now.Add(*dueIn)
	data := loadData(user.ID, due.UnixNano(), *size)
	var events, deliveries, queue [][]any
	bodySize := 0
	for i := range *n {
		evt, del := webhook.NewID("evt_"), webhook.NewID("del_")
		ep := epIDs[i%len(epIDs)]
		// As a publish stores it: the body around the delivery id.
		body := webhook.RenderBody(webhook.EventRecordingCompleted, del, now, data)
		at := bytes.Index(body, []byte(del))
		bodySize = len(body)
		events = append(events, []any{evt, user.ID, webhook.EventRecordingCompleted, now, now, body[:at], body[at+len(del):]})
		deliveries = append(deliveries, []any{del, evt, ep, user.ID, webhook.EventRecordingCompleted, "pending", now, now})
		queue = append(queue, []any{del, ep, due, evt, "pending", 0, 0, now})
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"events", []string{"id", "user_id", "type", "occurred_at", "created_at", "body_head", "body_tail"}, events},
		{"deliveries", []string{"id", "event_id", "endpoint_id", "user_id", "event_type", "status", "next_attempt_at", "created_at"}, deliveries},
		{"delivery_queue", []string{"delivery_id", "endpoint_id", "due_at", "event_id", "status", "attempt_count", "auto_attempts", "next_attempt_at"}, queue},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	committed := time.Now()
	if _, err := pool.Exec(ctx, "ANALYZE events; ANALYZE deliveries; ANALYZE delivery_queue"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d deliveries of %d bytes over %d endpoint(s) for %s, due %s\n",
		*n, bodySize, len(epIDs), user.ID, due.Format(time.RFC3339Nano))
	if left := time.Until(due); *dueIn > 0 && left < 0 {
		fmt.Fprintf(os.Stderr, "seed: the backlog fell due %s before the seed was done: give a longer --due-in\n", -left)
	}
	// The backlog is there for a server from visible on: when it falls due,
	// or at the commit if that came later.
	visible := due
	if committed.After(due) {
		visible = committed
	}
	return writeResult(*out, "due", due.UnixNano(), "committed", committed.UnixNano(), "visible", visible.UnixNano())
}

// openStore opens the database with the server's key (from
// CLIPCABINET_ENCRYPTION_KEY), to seal endpoint secrets as the server does.
func openStore(ctx context.Context, dbURL string) (*store.Store, error) {
	key, err := base64.StdEncoding.DecodeString(os.Getenv("CLIPCABINET_ENCRYPTION_KEY"))
	if err != nil || len(key) != 32 {
		return nil, errors.New("CLIPCABINET_ENCRYPTION_KEY: the server's key is needed to seal endpoint secrets")
	}
	pool, err := store.Connect(ctx, dbURL, store.PoolOptions{MaxConns: 4})
	if err != nil {
		return nil, err
	}
	st, err := store.New(pool, store.Options{EncryptionKey: key})
	if err != nil {
		pool.Close()
		return nil, err
	}
	return st, nil
}
