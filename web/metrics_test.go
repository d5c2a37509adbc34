package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestMetrics: /metrics needs the API token and reports what happened:
// published events and how long they took to store, attempts by outcome
// and status class, durations, the queue and disabled endpoints.
func TestMetrics(t *testing.T) {
	t.Parallel()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-ClipCabinet-Event") == "comment.added" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer recv.Close()
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "1h"}})
	user := app.NewUser(t, "metrics@example.com")
	ep := app.NewEndpoint(t, user, recv.URL)
	off := app.NewEndpoint(t, user, recv.URL)
	app.MustAPI(t, 200, "PATCH", "/api/v1/endpoints/"+off.ID, map[string]any{"enabled": false}, nil)
	var ok, failed struct{ DeliveryID string }
	app.MustAPI(t, 202, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]string{"event": "recording.completed"}, &ok)
	app.MustAPI(t, 202, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]string{"event": "comment.added"}, &failed)
	app.WaitDelivery(t, ok.DeliveryID, 5*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })
	app.WaitDelivery(t, failed.DeliveryID, 5*time.Second, func(d testapp.Delivery) bool { return d.Status == "retrying" })

	resp, err := http.Get(app.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", app.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testapp.Token)
	// Results reach the counters right after they are recorded.
	var text string
	for deadline := time.Now().Add(5 * time.Second); ; {
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text = string(b)
		if strings.Contains(text, `outcome="http_error",status_class="5xx"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{
		`clipcabinet_events_published_total 2`,
		`clipcabinet_publish_duration_seconds_count 2`,
		`clipcabinet_publish_duration_seconds_bucket{le="+Inf"} 2`,
		`clipcabinet_attempts_total{outcome="success",status_class="2xx",trigger="automatic"} 1`,
		`clipcabinet_attempts_total{outcome="http_error",status_class="5xx",trigger="automatic"} 1`,
		`clipcabinet_attempt_duration_seconds_count{outcome="success"} 1`,
		`clipcabinet_attempts_in_flight 0`,
		`clipcabinet_deliveries_due 0`,
		`clipcabinet_deliveries_overdue 0`,
		`clipcabinet_oldest_due_age_seconds 0`,
		`clipcabinet_endpoints_disabled 1`,
		`clipcabinet_database_up 1`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}
