package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestAdminAttentionNotifyAgain: "Notify the owner again" on a Needs
// attention group raises the owner's notice once more (failing, or
// disabled for a disabled endpoint), at most once in 10 minutes per
// endpoint and kind; it is in the owner's audit log; bad posts are 400,
// and only admins can.
func TestAdminAttentionNotifyAgain(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, http.StatusServiceUnavailable)
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "10ms"}})
	alice := app.NewUser(t, "alice@remind.example")
	ep := app.NewEndpoint(t, alice, rc.URL+"/alice").ID
	for _, id := range publish(t, app, alice, "comment.added", "") {
		app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "failed" })
	}
	newAdmin(t, app, "root@remind.example")
	c := newClient(t, app)
	c.logIn("root@remind.example", testPassword)

	reminders := func() []string {
		t.Helper()
		var out []string
		for _, n := range c.get("/admin/notices").status(http.StatusOK).all(`[data-testid="notice-reason"]`) {
			if s := textOf(n); strings.Contains(s, "An administrator asked") {
				out = append(out, s)
			}
		}
		return out
	}
	// The automatic "failing" notice came a minute ago: a reminder now
	// would be the same news twice, and is not sent.
	form := url.Values{"endpoint": {ep}, "by": {"endpoint"}}
	c.post("/admin/attention/notify", form).status(http.StatusSeeOther)
	if got := c.get("/admin/attention").status(http.StatusOK).text(`[data-testid="flash"]`); !strings.Contains(got, "Nothing sent") {
		t.Errorf("a reminder right after the notice: flash %q", got)
	}
	// An hour later it is.
	if _, err := app.Pool.Exec(context.Background(), "UPDATE notices SET created_at = created_at - interval '1 hour'"); err != nil {
		t.Fatal(err)
	}
	g := attentionGroup(c.get("/admin/attention").status(http.StatusOK), ep)
	if got := g.text(`[data-testid="attention-notify"]`); got != "Notify the owner again" {
		t.Fatalf("the group's button reads %q", got)
	}
	if loc := c.post("/admin/attention/notify", form).status(http.StatusSeeOther).Header.Get("Location"); loc != "/admin/attention" {
		t.Fatalf("after notifying, back to %q", loc)
	}
	if got := c.get("/admin/attention").status(http.StatusOK).text(`[data-testid="flash"]`); !strings.Contains(got, "notified again") {
		t.Errorf("flash %q", got)
	}
	if got := reminders(); len(got) != 1 || !strings.Contains(got[0], "are failing") {
		t.Fatalf("reminders %q, want one about failing", got)
	}
	// A second click (or another admin) within 10 minutes sends nothing more.
	c.post("/admin/attention/notify", form).status(http.StatusSeeOther)
	if got := c.get("/admin/attention?by=host").status(http.StatusOK).text(`[data-testid="flash"]`); !strings.Contains(got, "Nothing sent") {
		t.Errorf("second flash %q", got)
	}
	if got := reminders(); len(got) != 1 {
		t.Fatalf("after a second click: %d reminders, want 1", len(got))
	}
	audit := c.get("/admin/audit").status(http.StatusOK)
	if !strings.Contains(audit.text(`main`), "Sent the endpoint's notice again") {
		t.Errorf("the reminder is not in the audit log")
	}

	for name, f := range map[string]url.Values{"no endpoint": {}, "empty": {"endpoint": {""}}} {
		if name == "empty" {
			// An unknown or empty id raises nothing and says so.
			c.post("/admin/attention/notify", f).status(http.StatusSeeOther)
			continue
		}
		c.post("/admin/attention/notify", f).status(http.StatusBadRequest)
	}
	owner := newClient(t, app)
	owner.signUp("mallory@remind.example")
	owner.post("/admin/attention/notify", form).status(http.StatusNotFound)
}
