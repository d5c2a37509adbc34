package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
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
		var queued bool
		if err := st.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM delivery_queue q WHERE q.delivery_id = $1)`, d.ID).Scan(&queued); err != nil {
			t.Fatal(err)
		}
		detail, err := st.DeliveryDetail(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		body := detail.Body
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

// TestPublishConcurrent: publishes made at once share statements (see
// publisher) and each still gets its own answer: its deliveries with
// exact bodies, ErrNotFound for an unknown user, and a statement error of
// one event (a NUL byte PostgreSQL refuses) fails that event only.
func TestPublishConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := foundationStore(t)
	const users = 6
	endpoints := map[string]int{}
	for u := range users {
		id := fmt.Sprintf("user_c%d", u)
		if _, err := st.UserCreate(ctx, store.NewUser{ID: id, Email: id + "@example.com"}); err != nil {
			t.Fatal(err)
		}
		n := u + 1
		if u == users-1 {
			n = 11 // more than one round offers ids for
		}
		for range n {
			if _, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: id, URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true}); err != nil {
				t.Fatal(err)
			}
		}
		endpoints[id] = n
	}
	at := time.Date(2026, 11, 27, 1, 2, 3, 0, time.UTC)
	type result struct {
		user string
		out  store.Published
		err  error
	}
	const each = 40
	results := make(chan result, users*each+2)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := g; k < users*each; k += 16 {
				user := fmt.Sprintf("user_c%d", k%users)
				data := json.RawMessage(fmt.Sprintf(`{"userId":%q,"recordingId":"rec_%d","commentId":"c","text":"t"}`, user, k))
				out, err := st.Publish(ctx, store.Publish{Event: "comment.added", UserID: user, Data: data, OccurredAt: at, RecordingID: fmt.Sprintf("rec_%d", k)})
				results <- result{user, out, err}
			}
		}()
	}
	for _, user := range []string{"user_nobody", "user_\x00"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := st.Publish(ctx, store.Publish{Event: "comment.added", UserID: user, Data: json.RawMessage(`{}`), OccurredAt: at})
			results <- result{user, out, err}
		}()
	}
	wg.Wait()
	close(results)
	made := 0
	for r := range results {
		switch r.user {
		case "user_nobody":
			if !errors.Is(r.err, store.ErrNotFound) {
				t.Errorf("unknown user: %v", r.err)
			}
			continue
		case "user_\x00":
			if r.err == nil {
				t.Errorf("a user id with a NUL byte was published")
			}
			continue
		}
		if r.err != nil {
			t.Fatalf("%s: %v", r.user, r.err)
		}
		if len(r.out.Deliveries) != endpoints[r.user] {
			t.Fatalf("%s: %d deliveries, want %d", r.user, len(r.out.Deliveries), endpoints[r.user])
		}
		for _, d := range r.out.Deliveries {
			var rec string
			if err := st.Pool.QueryRow(ctx, `SELECT v.recording_id FROM deliveries d
				JOIN events v ON v.id = d.event_id WHERE d.id = $1 AND v.id = $2`, d.ID, r.out.EventID).Scan(&rec); err != nil {
				t.Fatalf("%s: %v", d.ID, err)
			}
			detail, err := st.DeliveryDetail(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			body := detail.Body
			data := json.RawMessage(fmt.Sprintf(`{"userId":%q,"recordingId":%q,"commentId":"c","text":"t"}`, r.user, rec))
			if exp := webhook.RenderBody("comment.added", d.ID, at, data); !bytes.Equal(body, exp) {
				t.Fatalf("body of %s:\n%s\nwant\n%s", d.ID, body, exp)
			}
			made++
		}
	}
	var stored int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM deliveries`).Scan(&stored); err != nil || stored != made {
		t.Fatalf("%d deliveries stored, %d answered (%v)", stored, made, err)
	}
}
