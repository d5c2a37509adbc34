package web_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/testnet"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// TestDeliveryReasonInLists: a delivery whose connection was refused says
// so, in words, in the drawer's row, the admin's row and the detail, not
// a dash for the missing status code.
func TestDeliveryReasonInLists(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "1h"}})
	closed := "http://" + testnet.ClosedAddr(t) + "/hook"
	c := newClient(t, app)
	uid := c.signUp("reason@example.com")
	ep := c.createEndpoint(closed, "")
	var pub struct {
		Deliveries []struct{ ID string } `json:"deliveries"`
	}
	apiMust(t, app, http.StatusAccepted, "POST", "/api/v1/events", map[string]any{
		"event": webhook.EventCommentAdded, "userId": uid, "data": json.RawMessage(webhook.SampleData(webhook.EventCommentAdded, "")),
	}, &pub)
	id := pub.Deliveries[0].ID
	app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return len(d.Attempts) == 1 })

	row := `[data-testid="delivery-row"] [data-testid="delivery-code-outcome"]`
	if got := c.get("/endpoints/" + ep + "/deliveries").status(http.StatusOK).text(row); got != "Connection error" {
		t.Errorf("drawer row: %q, want Connection error", got)
	}
	list := c.get("/endpoints").status(http.StatusOK)
	if got := list.text(`[data-testid="endpoint-last-code-outcome"]`); got != "Connection error" {
		t.Errorf("endpoints list: %q, want Connection error", got)
	}
	if list.has(`[data-testid="endpoint-last-code"]`) {
		t.Error("the endpoints list shows a code (—) for an attempt that got no response")
	}
	detail := c.get("/endpoints/" + ep + "/deliveries/" + id).status(http.StatusOK)
	if got := detail.text(`[data-testid="detail-last-code-outcome"]`); got != "Connection error" {
		t.Errorf("detail: %q, want Connection error", got)
	}
	if detail.has(`[data-testid="detail-last-code"]`) {
		t.Error("the detail shows a status code for an attempt that got no response")
	}
	newAdmin(t, app, "reason-admin@example.com")
	admin := newClient(t, app)
	admin.logIn("reason-admin@example.com", testPassword)
	if got := admin.get("/admin/deliveries?status=retrying").status(http.StatusOK).text(row); got != "Connection error" {
		t.Errorf("admin row: %q, want Connection error", got)
	}
}
