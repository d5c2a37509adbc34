package dispatch

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestReleasedRowsWakeTheClaimerWithRoom: rows given back are due again
// once their release commits, and nothing else may wake a claimer that
// sleeps while publishes hand it their deliveries. So the completer, after
// writing a release, wakes this claimer when it has room for the rows'
// endpoint (not before: a claim would find them still leased), and leaves
// it asleep when the endpoint is at its cap (room coming free wakes it
// then; woken now, it would walk past that endpoint's rows for nothing).
// The other processes are told either way. No loop runs: the completer's
// write is called directly and the wake-up channels are looked at.
func TestReleasedRowsWakeTheClaimerWithRoom(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.New(testdb.New(t), store.Options{EncryptionKey: testdb.Key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_rel", Email: "rel@example.com"}); err != nil {
		t.Fatal(err)
	}
	actor := store.Actor{ID: "api", RemoteAddr: "127.0.0.1"}
	ep, _, err := st.EndpointCreate(ctx, actor, store.NewEndpoint{UserID: "user_rel", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.Publish(ctx, store.Publish{Event: "comment.added", UserID: "user_rel",
			Data: json.RawMessage(webhook.SampleData(webhook.EventCommentAdded, "")), OccurredAt: time.Now().UTC()}); err != nil {
			t.Fatal(err)
		}
	}
	d := New(Options{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Workers: 4, EndpointConcurrency: 2})
	now := time.Now().UTC()
	claimed, err := st.QueueClaim(ctx, store.Claim{Token: 9, Max: 2, Now: now, LeaseUntil: now.Add(time.Minute)})
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %d rows, %v", len(claimed), err)
	}
	release := func(c store.Claimed) {
		t.Helper()
		drain(d.wake)
		drain(d.notify)
		d.write(ctx, []outcome{{result: store.Result{DeliveryID: c.ID, EndpointID: c.EndpointID, Token: 9}, release: true}})
		var leased bool
		if err := st.Pool.QueryRow(ctx, `SELECT claim_token IS NOT NULL FROM delivery_queue WHERE delivery_id = $1`, c.ID).Scan(&leased); err != nil || leased {
			t.Fatalf("%s after its release: leased %v (%v)", c.ID, leased, err)
		}
		if !drain(d.notify) {
			t.Fatal("other processes were not told of the rows given back")
		}
	}

	// The endpoint is at its cap here (two other attempts in flight, no
	// room to hold rows yet): the claimer is not woken.
	d.adm.admit([]store.Claimed{fakeRow("other-1", ep.ID, now), fakeRow("other-2", ep.ID, now)}, 8, now)
	release(claimed[0])
	if drain(d.wake) {
		t.Fatal("the claimer was woken for a row of an endpoint with no room here")
	}

	// Room here: woken.
	d.adm.finish(ep.ID, time.Millisecond, false, false, now)
	d.adm.finish(ep.ID, time.Millisecond, false, false, now)
	release(claimed[1])
	if !drain(d.wake) {
		t.Fatal("a row given back for an endpoint with room here did not wake the claimer")
	}
}

// drain empties a wake-up channel and says whether it held a signal.
func drain(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func fakeRow(id, ep string, now time.Time) store.Claimed {
	return store.Claimed{ID: id, EndpointID: ep, Status: webhook.StatusPending, NextAttemptAt: &now}
}
