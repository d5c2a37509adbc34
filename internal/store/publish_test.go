package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestPublishManyTargets: a user with more subscribed endpoints than one
// round trip offers ids for still gets one delivery per endpoint, in the
// endpoints' order, each queued and with exactly the body RenderBody makes
// for its own id; endpoints not subscribed, disabled or deleted get none.
func TestPublishManyTargets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_many", Email: "many@example.com"}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 13 {
		events := []string{"comment.added"}
		if i == 3 {
			events = []string{"recording.failed"} // not subscribed
		}
		ep, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_many", URL: "https://93.184.215.14/", Events: events, Enabled: i != 5})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i == 7:
			if err := st.EndpointDelete(ctx, apiActor, ep.ID); err != nil {
				t.Fatal(err)
			}
		case i != 3 && i != 5:
			want = append(want, ep.ID)
		}
	}
	at := time.Date(2026, 11, 27, 1, 2, 3, 456e6, time.UTC)
	data := json.RawMessage(`{"userId":"user_many","recordingId":"rec_1","commentId":"c_1","text":"del_ in \"quotes\""}`)
	out, err := st.Publish(ctx, store.Publish{Event: "comment.added", UserID: "user_many", Data: data, OccurredAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deliveries) != len(want) {
		t.Fatalf("%d deliveries, want %d", len(out.Deliveries), len(want))
	}
	for i, d := range out.Deliveries {
		if d.EndpointID != want[i] {
			t.Fatalf("delivery %d went to %s, want %s", i, d.EndpointID, want[i])
		}
		var body []byte
		var queued bool
		if err := st.Pool.QueryRow(ctx, `SELECT p.body, EXISTS (SELECT 1 FROM delivery_queue q WHERE q.delivery_id = p.delivery_id)
			FROM payloads p WHERE p.delivery_id = $1`, d.ID).Scan(&body, &queued); err != nil {
			t.Fatal(err)
		}
		if exp := webhook.RenderBody("comment.added", d.ID, at, data); !bytes.Equal(body, exp) {
			t.Fatalf("body of %s:\n%s\nwant\n%s", d.ID, body, exp)
		}
		if !queued {
			t.Fatalf("%s is not queued", d.ID)
		}
	}

	// No such user: nothing is written.
	_, err = st.Publish(ctx, store.Publish{Event: "comment.added", UserID: "user_nobody", Data: data, OccurredAt: at})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	var events int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE user_id = 'user_nobody'`).Scan(&events); err != nil || events != 0 {
		t.Fatalf("events for an unknown user: %d, %v", events, err)
	}
}
