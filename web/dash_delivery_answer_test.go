package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/testnet"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestDeliveryAnswer: a delivery's view leads with the reason in plain
// words (a refused connection names the address, a timeout its wait and
// phase, an HTTP error its code) and the next attempt with its exact time.
func TestDeliveryAnswer(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{Env: map[string]string{
		"CLIPCABINET_RETRY_SCHEDULE": "1h", "CLIPCABINET_ATTEMPT_TIMEOUT": "1s",
	}})
	closed := testnet.ClosedAddr(t)
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(unavailable.Close)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)

	for _, tt := range []struct {
		name, url, want string
	}{
		{name: "connection refused", url: "http://" + closed + "/hook", want: "Connection refused by " + closed},
		{name: "HTTP 503", url: unavailable.URL + "/hook", want: "HTTP 503 from your server"},
		{name: "timeout", url: slow.URL + "/hook", want: "Timed out after 1 s waiting for the first byte"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, app)
			uid := c.signUp(strings.ReplaceAll(tt.name, " ", "-") + "@answer.example.com")
			ep := c.createEndpoint(tt.url, "")
			var pub struct {
				Deliveries []struct{ ID string } `json:"deliveries"`
			}
			apiMust(t, app, http.StatusAccepted, "POST", "/api/v1/events", map[string]any{
				"event": webhook.EventCommentAdded, "userId": uid, "data": json.RawMessage(webhook.SampleData(webhook.EventCommentAdded, "")),
			}, &pub)
			d := app.WaitDelivery(t, pub.Deliveries[0].ID, 15*time.Second, func(d testapp.Delivery) bool {
				return len(d.Attempts) == 1 && d.Status == "retrying"
			})
			p := c.get("/endpoints/" + ep + "/deliveries/" + d.ID).status(http.StatusOK)
			if got := p.text(`[data-testid="delivery-answer"] [data-testid="answer-reason"]`); got != tt.want {
				t.Errorf("reason %q, want %q", got, tt.want)
			}
			next, err := time.Parse(time.RFC3339Nano, *d.NextAttemptAt)
			if err != nil {
				t.Fatal(err)
			}
			// The exact time as every time is printed (views.Stamp), UTC in
			// the page and in the title; app.js shows it in local time.
			stamp := next.UTC().Format("2006-01-02 15:04:05 UTC")
			want := "Next: Attempt 2 of 2 at " + stamp + ", in "
			if got := p.text(`[data-testid="answer-next"]`); !strings.HasPrefix(got, want) {
				t.Errorf("next %q, want it to start %q", got, want)
			}
			if tm := p.one(`[data-testid="answer-next"] time[data-local]`); attr(tm, "title") != stamp || attr(tm, "datetime") == "" {
				t.Errorf("next time title %q datetime %q, want title %q", attr(tm, "title"), attr(tm, "datetime"), stamp)
			}
		})
	}
}
