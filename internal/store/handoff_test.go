package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// handoffRecorder is a store.Handoff that offers a fixed lease and keeps
// what each publish statement handed it.
type handoffRecorder struct {
	lease store.Lease
	mu    sync.Mutex
	got   [][]store.Claimed
	open  int // leases given and not yet answered with PublishLeased
}

func (h *handoffRecorder) PublishLease(time.Time) (store.Lease, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.open++
	return h.lease, true
}

func (h *handoffRecorder) PublishLeased(_ store.Lease, rows []store.Claimed, _ time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.open--
	h.got = append(h.got, rows)
}

// TestPublishHandsOffWithinRoom: with a Handoff registered, a publish
// writes the deliveries the lease has room for already claimed by its
// token (its lease end as due time) and hands them over with everything
// an attempt needs, exactly what a claim would return (the body the
// event renders for each id, the endpoint's URL and sealed secret); the
// rest are queued, due now, for a claim, and counted in Queued. Room is
// per endpoint (RoomCounts, else DefaultRoom) and in all (Max), in event
// and endpoint order. A leased row completes under its token like a
// claimed one, and one whose process died is claimed when its lease ends,
// its lost attempt recorded as interrupted. A publish inside a
// transaction (an Idempotency-Key) hands nothing over: its rows must not
// be sent before it commits.
func TestPublishHandsOffWithinRoom(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, err := store.New(testdb.New(t), store.Options{EncryptionKey: testdb.Key, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_hand", Email: "hand@example.com"}); err != nil {
		t.Fatal(err)
	}
	var eps []store.Endpoint
	for range 3 {
		ep, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_hand", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		eps = append(eps, ep)
	}
	h := &handoffRecorder{lease: store.Lease{
		Token: 77, Max: 4, DefaultRoom: 2, Until: now.Add(time.Minute),
		// The first endpoint has room for one, the second for none.
		RoomEndpoints: []string{eps[0].ID, eps[1].ID}, RoomCounts: []int32{1, 0},
	}}
	st.SetHandoff(h)

	data := json.RawMessage(`{"userId":"user_hand","recordingId":"rec_1","commentId":"c_1","text":"hi"}`)
	var outs []store.Published
	for range 3 {
		out, err := st.Publish(ctx, store.Publish{Event: "comment.added", UserID: "user_hand", Data: data, OccurredAt: now})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	// Each publish is a statement of its own here (one at a time), each
	// with the same lease: endpoint 0 gets 1, endpoint 1 none, endpoint 2
	// its default 2 but one event has one delivery to it.
	h.mu.Lock()
	got, open := h.got, h.open
	h.mu.Unlock()
	if open != 0 || len(got) != 3 {
		t.Fatalf("%d statements handed over, %d leases unanswered; want 3 and 0", len(got), open)
	}
	leased := map[string]store.Claimed{}
	for i, rows := range got {
		if len(rows) != 2 {
			t.Fatalf("publish %d handed over %d rows, want 2 (endpoints 0 and 2)", i, len(rows))
		}
		if outs[i].Queued != 1 {
			t.Errorf("publish %d: Queued %d, want 1 (endpoint 1 had no room)", i, outs[i].Queued)
		}
		for _, c := range rows {
			leased[c.ID] = c
		}
	}
	for i, out := range outs {
		for _, d := range out.Deliveries {
			var token *int64
			var due time.Time
			if err := st.Pool.QueryRow(ctx, `SELECT claim_token, due_at FROM delivery_queue WHERE delivery_id = $1`, d.ID).Scan(&token, &due); err != nil {
				t.Fatal(err)
			}
			c, ok := leased[d.ID]
			if d.EndpointID == eps[1].ID {
				if ok || token != nil || !due.Equal(now) {
					t.Errorf("publish %d: %s to the endpoint with no room: handed over %v, token %v, due %v", i, d.ID, ok, token, due)
				}
				continue
			}
			if !ok || token == nil || *token != 77 || !due.Equal(now.Add(time.Minute)) {
				t.Fatalf("publish %d: %s not leased as handed over: handed %v, token %v, due %v", i, d.ID, ok, token, due)
			}
			if exp := webhook.RenderBody("comment.added", d.ID, now, data); !bytes.Equal(c.Body, exp) {
				t.Fatalf("handed-over body of %s:\n%s\nwant\n%s", d.ID, c.Body, exp)
			}
			ep := eps[0]
			if d.EndpointID == eps[2].ID {
				ep = eps[2]
			}
			secret, err := st.OpenSecret(ep.ID, c.SecretEncrypted)
			if err != nil || c.Url != ep.Url || c.EndpointID != ep.ID || c.EventType != "comment.added" ||
				c.Status != webhook.StatusPending || c.AttemptCount != 0 || c.NextAttemptAt == nil || !c.NextAttemptAt.Equal(now) {
				t.Fatalf("handed-over row %+v (secret %v)", c, err)
			}
			if !strings.HasPrefix(secret, "whsec_") {
				t.Fatalf("handed-over secret opens to %q", secret)
			}
		}
	}

	// A handed-over row completes under the lease's token, as a claimed one.
	var one store.Claimed
	var ids []string
	for _, c := range leased {
		one = c
		break
	}
	done := now.Add(time.Second)
	ids, err = st.QueueComplete(ctx, []store.Result{{
		DeliveryID: one.ID, EndpointID: one.EndpointID, Token: 77, Number: 1, StartedAt: now, DurationMs: 5, StatusCode: 200,
		Outcome: "success", Status: "succeeded", AutoAttempts: 1, CompletedAt: &done,
		Phases: [4]int32{store.NoPhase, store.NoPhase, store.NoPhase, store.NoPhase},
	}})
	if err != nil || len(ids) != 1 {
		t.Fatalf("completing a handed-over row: %v, %v", ids, err)
	}

	// The process that held the leases died: when they end, a claim takes
	// the handed-over rows as any lapsed lease, the lost attempt recorded
	// as interrupted (the completed one is gone from the queue).
	later := now.Add(2 * time.Minute)
	lapsed, err := st.QueueClaim(ctx, store.Claim{Token: 78, Max: 100, DefaultRoom: 100, Now: later, LeaseUntil: later.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	var interrupted, fresh int
	for _, c := range lapsed {
		_, handed := leased[c.ID]
		switch {
		case handed && c.ID != one.ID && c.Interrupted && c.AttemptCount == 1:
			interrupted++
		case !handed && !c.Interrupted && c.AttemptCount == 0:
			fresh++
		default:
			t.Errorf("claimed %s after the leases ended: handed over %v, interrupted %v, %d attempts", c.ID, handed, c.Interrupted, c.AttemptCount)
		}
	}
	if interrupted != len(leased)-1 || fresh != 3 {
		t.Fatalf("after the leases ended a claim took %d handed-over rows as interrupted and %d never leased, want %d and 3", interrupted, fresh, len(leased)-1)
	}

	// In a transaction (Idempotency-Key): nothing handed over, all queued.
	out, err := st.Publish(ctx, store.Publish{Event: "comment.added", UserID: "user_hand", Data: data, OccurredAt: now,
		IdempotencyKey: "key-1", RequestHash: []byte{1}})
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	statements := len(h.got)
	h.mu.Unlock()
	if statements != 3 || out.Queued != 3 {
		t.Fatalf("publish with an Idempotency-Key: %d statements handed over (want still 3), Queued %d (want 3)", statements, out.Queued)
	}
}
