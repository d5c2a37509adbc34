package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testdb"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestChangeoverAcrossRestartAndProcesses: two `clipcabinet serve`
// processes share one database; the secret is rotated with a changeover
// a few seconds ahead through the first, which is then killed and started
// again before the changeover. Deliveries published through both around
// the changeover are each signed with the secret active when they were
// sent: none with the new secret before activatesAt, none with the old
// one later than a second after it (the attempt's own record: exactly by
// activatesAt).
func TestChangeoverAcrossRestartAndProcesses(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dbURL := testdb.NewURL(t)
	type arrival struct {
		id  string
		at  time.Time
		sig string
		sw  string
		ts  string
		raw []byte
	}
	var (
		mu       sync.Mutex
		arrivals []arrival
	)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		arrivals = append(arrivals, arrival{id: r.Header.Get(webhook.HeaderDelivery), at: at, sig: r.Header.Get(webhook.HeaderSignature),
			sw: r.Header.Get("webhook-signature"), ts: r.Header.Get("webhook-timestamp"), raw: body})
		mu.Unlock()
	}))
	t.Cleanup(rc.Close)

	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"DATABASE_URL=" + dbURL,
		"CLIPCABINET_ADDR=127.0.0.1:0",
		"CLIPCABINET_API_TOKEN=" + apiToken,
		"CLIPCABINET_ENCRYPTION_KEY=" + encryptionKey,
		"CLIPCABINET_ALLOW_PRIVATE_TARGETS=true",
		"CLIPCABINET_TEST_EVENTS_PER_MINUTE=10000",
		"CLIPCABINET_LOG_LEVEL=info", // startServe reads the address from the "serving" line
	}
	a := startServe(t, bin, env)
	b := startServe(t, bin, env)
	type idOnly struct{ ID string }
	user := apiCall[idOnly](t, a.url, "POST", "/api/v1/users", map[string]any{"email": "changeover@example.com"}, http.StatusCreated)
	ep := apiCall[struct{ ID, Secret string }](t, a.url, "POST", "/api/v1/users/"+user.ID+"/endpoints",
		map[string]any{"url": rc.URL + "/hook", "events": []string{webhook.EventCommentAdded}, "standardWebhooks": true}, http.StatusCreated)
	const lead = 4 * time.Second
	rot := apiCall[struct{ Secret, ActivatesAt string }](t, a.url, "POST", "/api/v1/endpoints/"+ep.ID+"/secret/rotate",
		map[string]any{"activateInSeconds": int(lead / time.Second)}, http.StatusOK)
	activatesAt, err := time.Parse(time.RFC3339Nano, rot.ActivatesAt)
	if err != nil {
		t.Fatal(err)
	}

	// Restart the first process before the changeover.
	a.kill(t)
	a2 := startServe(t, bin, env)
	if time.Until(activatesAt) < time.Second {
		t.Fatalf("the restart took until %s before the changeover; the test needs time on both sides", time.Until(activatesAt))
	}

	// Publish through both processes, every 100 ms, from before the
	// changeover until two seconds after it.
	servers := []*served{a2, b}
	n := 0
	for time.Now().Before(activatesAt.Add(2 * time.Second)) {
		apiCall[struct{ DeliveryID string }](t, servers[n%2].url, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]string{"event": webhook.EventCommentAdded}, http.StatusAccepted)
		n++
		time.Sleep(100 * time.Millisecond)
	}
	waitFor(t, 20*time.Second, func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(arrivals) >= n, "all deliveries to arrive"
	})

	oldKey, _ := webhook.StandardKey(ep.Secret)
	newKey, _ := webhook.StandardKey(rot.Secret)
	var before, after int
	mu.Lock()
	defer mu.Unlock()
	for _, ar := range arrivals {
		type delivery struct {
			Attempts []struct{ StartedAt string } `json:"attempts"`
		}
		var d delivery
		// The receiver can see a delivery before its attempt is recorded
		// (results are written in batches): wait for the record.
		waitFor(t, 10*time.Second, func() (bool, string) {
			d = apiCall[delivery](t, b.url, "GET", "/api/v1/deliveries/"+ar.id, nil, http.StatusOK)
			return len(d.Attempts) > 0, "the attempt of " + ar.id + " to be recorded"
		})
		started, err := time.Parse(time.RFC3339Nano, d.Attempts[len(d.Attempts)-1].StartedAt)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := strconv.ParseInt(ar.ts, 10, 64)
		if err != nil {
			t.Fatalf("webhook-timestamp %q", ar.ts)
		}
		oldSW := webhook.VerifyStandard(oldKey, ar.id, ts, ar.raw, ar.sw)
		newSW := webhook.VerifyStandard(newKey, ar.id, ts, ar.raw, ar.sw)
		switch {
		case webhook.Verify(ep.Secret, ar.raw, ar.sig):
			before++
			if !started.Before(activatesAt) {
				t.Errorf("%s sent at %s, after the changeover %s, signed with the old secret", ar.id, started, activatesAt)
			}
			if ar.at.After(activatesAt.Add(time.Second)) {
				t.Errorf("%s signed with the old secret arrived %s after the changeover", ar.id, ar.at.Sub(activatesAt))
			}
			if !oldSW || !newSW {
				t.Errorf("%s before the changeover: Standard Webhooks signatures old %v new %v, want both", ar.id, oldSW, newSW)
			}
		case webhook.Verify(rot.Secret, ar.raw, ar.sig):
			after++
			if started.Before(activatesAt) || ar.at.Before(activatesAt) {
				t.Errorf("%s sent at %s (arrived %s), before the changeover %s, signed with the new secret", ar.id, started, ar.at, activatesAt)
			}
			if oldSW || !newSW {
				t.Errorf("%s after the changeover: Standard Webhooks signatures old %v new %v, want new only", ar.id, oldSW, newSW)
			}
		default:
			t.Errorf("%s verifies with neither secret: %q", ar.id, ar.sig)
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("%d deliveries signed with the old secret, %d with the new; want some of each", before, after)
	}
	t.Logf("%d deliveries through two processes (one restarted): %d signed with the old secret before %s, %d with the new after", len(arrivals), before, activatesAt.Format(time.RFC3339Nano), after)
}
