package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestDrawerPayloadExpired: after retention clears a delivery's body and
// its attempts' response bodies, the drawer says so (not "empty"), and the
// attempt records are still shown.
func TestDrawerPayloadExpired(t *testing.T) {
	t.Parallel()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("thanks"))
	}))
	defer recv.Close()
	app := testapp.Start(t, testapp.Options{})
	c := newClient(t, app)
	c.signUp("retention@example.com")
	ep := c.createEndpoint(recv.URL, "kept for a while")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+ep+"/test", map[string]string{"event": "comment.added"}, &out)
	app.WaitDelivery(t, out.DeliveryID, 5*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })

	path := "/endpoints/" + ep + "/deliveries/" + out.DeliveryID
	before := c.get(path).status(http.StatusOK)
	if before.has(`[data-testid="request-body-pruned"]`) || !strings.Contains(before.text(`[data-testid="response-body"]`), "thanks") {
		t.Fatalf("fresh delivery: body or response missing:\n%.3000s", before.Body)
	}

	ctx := context.Background()
	for _, q := range []string{
		`UPDATE events SET created_at = now() - interval '40 days' WHERE id = (SELECT event_id FROM deliveries WHERE id = $1)`,
		`UPDATE attempts SET started_at = now() - interval '40 days' WHERE delivery_id = $1`,
	} {
		if _, err := app.Pool.Exec(ctx, q, out.DeliveryID); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Maintainer.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	after := c.get(path).status(http.StatusOK)
	if !strings.Contains(after.text(`[data-testid="request-body-pruned"]`), "Payload expired") {
		t.Errorf("drawer does not say the payload expired:\n%.3000s", after.Body)
	}
	if !after.has(`[data-testid="response-pruned"]`) || after.has(`[data-testid="response-body"]`) {
		t.Errorf("attempt response not shown as expired")
	}
	if len(after.all(`[data-testid="attempt"]`)) != 1 || after.text(`[data-testid="attempt-code"]`) != "200" {
		t.Errorf("attempt record lost after retention")
	}
	d := app.Delivery(t, out.DeliveryID)
	if d.Payload != nil || len(d.Attempts) != 1 || d.Attempts[0].StatusCode == nil || *d.Attempts[0].StatusCode != 200 {
		t.Errorf("API after retention: payload %v, attempts %+v", d.Payload, d.Attempts)
	}
}
