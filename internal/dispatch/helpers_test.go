package dispatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/dispatch"
	"github.com/clipcabinet/webhooks/internal/netguard"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// hit is one request a receiver got.
type hit struct {
	at       time.Time // when the request arrived
	delivery string    // X-ClipCabinet-Delivery
	event    string    // X-ClipCabinet-Event
	sig      string    // X-ClipCabinet-Signature
	body     []byte
}

// receiver is a real HTTP receiver that records every request before
// answering it with respond (200 when respond is nil). n is the 1-based
// number of the request at this receiver.
type receiver struct {
	*httptest.Server
	respond func(w http.ResponseWriter, r *http.Request, n int)

	mu   sync.Mutex
	hits []hit
}

func newReceiver(t testing.TB, respond func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	t.Helper()
	rc := &receiver{respond: respond}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.hits = append(rc.hits, hit{
			at: time.Now(), delivery: r.Header.Get(webhook.HeaderDelivery), event: r.Header.Get(webhook.HeaderEvent),
			sig: r.Header.Get(webhook.HeaderSignature), body: body,
		})
		n := len(rc.hits)
		rc.mu.Unlock()
		if rc.respond != nil {
			rc.respond(w, r, n)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// Hits returns a copy of the requests so far.
func (rc *receiver) Hits() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

// waitHits waits until the receiver has at least n requests and returns them.
func (rc *receiver) waitHits(t testing.TB, n int, timeout time.Duration) []hit {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h := rc.Hits()
		if len(h) >= n {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("receiver got %d requests within %s, want %d", len(h), timeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// published is the publish API's answer.
type published struct {
	EventID    string `json:"eventId"`
	Deliveries []struct {
		ID         string `json:"id"`
		EndpointID string `json:"endpointId"`
	} `json:"deliveries"`
}

// publishComment publishes the spec's comment.added example for user and
// returns the delivery ids, one per subscribed endpoint.
func publishComment(t testing.TB, app *testapp.App, user string) []string {
	t.Helper()
	ids, err := tryPublishComment(app, user)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// tryPublishComment is publishComment for any goroutine.
func tryPublishComment(app *testapp.App, user string) ([]string, error) {
	raw, err := json.Marshal(map[string]any{
		"event": webhook.EventCommentAdded, "userId": user,
		"data": json.RawMessage(webhook.SampleData(webhook.EventCommentAdded, "")),
	})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest("POST", app.URL+"/api/v1/events", bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+testapp.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := app.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return nil, fmt.Errorf("publish: %d %s", resp.StatusCode, body)
	}
	var out published
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("publish: %s: %w", body, err)
	}
	ids := make([]string, len(out.Deliveries))
	for i, d := range out.Deliveries {
		ids[i] = d.ID
	}
	return ids, nil
}

// publishOne publishes to a user with exactly one subscribed endpoint.
func publishOne(t testing.TB, app *testapp.App, user string) string {
	t.Helper()
	ids := publishComment(t, app, user)
	if len(ids) != 1 {
		t.Fatalf("publish made %d deliveries, want 1", len(ids))
	}
	return ids[0]
}

// setup starts an app with env and makes one user with one endpoint at url.
func setup(t testing.TB, env map[string]string, url string) (*testapp.App, string, testapp.Endpoint) {
	t.Helper()
	app := testapp.Start(t, testapp.Options{Env: env})
	user := app.NewUser(t, "owner@example.com")
	return app, user, app.NewEndpoint(t, user, url)
}

func hasStatus(want string) func(testapp.Delivery) bool {
	return func(d testapp.Delivery) bool { return d.Status == want }
}

func attempts(n int) func(testapp.Delivery) bool {
	return func(d testapp.Delivery) bool { return len(d.Attempts) >= n }
}

// startDispatcher starts another dispatcher on app's database with its own
// pool and store, as another instance of the service has, stopped when t
// ends. o's Store, Logger and Client are filled in.
func startDispatcher(t *testing.T, app *testapp.App, o dispatch.Options) *dispatch.Dispatcher {
	t.Helper()
	d, _ := startDispatcherStore(t, app, o)
	return d
}

// startDispatcherStore is startDispatcher, also returning the dispatcher's
// own store: publishes through it are handed to the dispatcher.
func startDispatcherStore(t *testing.T, app *testapp.App, o dispatch.Options) (*dispatch.Dispatcher, *store.Store) {
	t.Helper()
	ctx := context.Background()
	pool, err := store.Connect(ctx, app.DBURL, store.PoolOptions{MaxConns: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if o.Store, err = store.New(pool, store.Options{EncryptionKey: app.Config.EncryptionKey}); err != nil {
		t.Fatal(err)
	}
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	o.Client = netguard.NewClient(netguard.ClientOptions{Policy: netguard.Policy{AllowPrivate: true}})
	d := dispatch.New(o)
	d.Start(ctx)
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Stop(sctx)
	})
	return d, o.Store
}
