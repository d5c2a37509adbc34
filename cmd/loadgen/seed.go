package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// seed writes a backlog of due deliveries straight into the database (COPY),
// as a publish would have, so a drain can be timed on its own.
func seed(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	dbURL := fs.String("db", os.Getenv("DATABASE_URL"), "database URL")
	n := fs.Int("deliveries", 100000, "deliveries to seed")
	endpoints := fs.Int("endpoints", 1, "endpoints to spread them over")
	size := fs.Int("body", 1024, "approximate body size in bytes")
	url := fs.String("url", "http://127.0.0.1:9100/hook", "endpoint URL (the loadgen receiver)")
	receiverURL := fs.String("receiver", "http://127.0.0.1:9100", "receiver to tell the secrets to")
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
		resp, err := http.Post(*receiverURL+"/control/secret", "text/plain", strings.NewReader(secret))
		if err != nil {
			return fmt.Errorf("receiver: %w", err)
		}
		resp.Body.Close()
	}
	now := time.Now().UTC()
	data := loadData(user.ID, 0, *size)
	var events, deliveries, queue, payloads [][]any
	for i := range *n {
		evt, del := webhook.NewID("evt_"), webhook.NewID("del_")
		ep := epIDs[i%len(epIDs)]
		events = append(events, []any{evt, user.ID, webhook.EventRecordingCompleted, now, now})
		deliveries = append(deliveries, []any{del, evt, ep, user.ID, webhook.EventRecordingCompleted, "pending", now, now})
		queue = append(queue, []any{del, ep, now})
		payloads = append(payloads, []any{del, webhook.RenderBody(webhook.EventRecordingCompleted, del, now, data), now})
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
		{"events", []string{"id", "user_id", "type", "occurred_at", "created_at"}, events},
		{"deliveries", []string{"id", "event_id", "endpoint_id", "user_id", "event_type", "status", "next_attempt_at", "created_at"}, deliveries},
		{"delivery_queue", []string{"delivery_id", "endpoint_id", "due_at"}, queue},
		{"payloads", []string{"delivery_id", "body", "created_at"}, payloads},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "ANALYZE deliveries; ANALYZE delivery_queue; ANALYZE payloads"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d deliveries of %d bytes over %d endpoint(s) for %s\n", *n, len(payloads[0][1].([]byte)), len(epIDs), user.ID)
	return nil
}

// openStore opens the database with the server's key (from
// CLIPCABINET_ENCRYPTION_KEY), to seal endpoint secrets as the server does.
func openStore(ctx context.Context, dbURL string) (*store.Store, error) {
	key, err := base64.StdEncoding.DecodeString(os.Getenv("CLIPCABINET_ENCRYPTION_KEY"))
	if err != nil || len(key) != 32 {
		return nil, errors.New("CLIPCABINET_ENCRYPTION_KEY: the server's key is needed to seal endpoint secrets")
	}
	pool, err := store.Connect(ctx, dbURL, 4)
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
