package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/testapp"
)

// failingEndpoint adds an endpoint answering 500 for c's user and sends it
// a test event that fails its whole (short) schedule: a "failing" notice.
func failingEndpoint(t *testing.T, app *testapp.App, c *client) (id, target string) {
	t.Helper()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
	t.Cleanup(rcv.Close)
	target = rcv.URL + "/hook"
	id = c.createEndpoint(target, "")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+id+"/test", map[string]any{"event": "comment.added"}, &out)
	app.WaitDelivery(t, out.DeliveryID, 30*time.Second, func(d testapp.Delivery) bool { return d.Status == "failed" })
	return id, target
}

// TestNoticePages: a notice is in its owner's list (not another user's)
// with the URL, reason, last error, failed count and links, counted in the
// header until viewing marks it read; without SMTP the pages say so and
// the admin sees "no SMTP configured". Bad input is a 4xx with a message.
func TestNoticePages(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{})
	alice := newClient(t, app)
	alice.signUp("alice@notices.example")
	if got := attr(alice.get("/endpoints").status(200).one(`[data-testid="nav-unread"]`), "data-count"); got != "0" {
		t.Fatalf("unread before any notice: %s", got)
	}
	ep, target := failingEndpoint(t, app, alice)

	if got := attr(alice.get("/endpoints").status(200).one(`[data-testid="nav-unread"]`), "data-count"); got != "1" {
		t.Fatalf("unread in the header: %s, want 1", got)
	}
	p := alice.get("/notices").status(http.StatusOK)
	n := p.one(`[data-testid="notice"]`)
	if attr(n, "data-kind") != "failing" || attr(n, "data-unread") != "true" {
		t.Fatalf("notice kind %q unread %q", attr(n, "data-kind"), attr(n, "data-unread"))
	}
	for sel, want := range map[string]string{
		`[data-testid="notice-title"]`:      "Deliveries to " + target + " are failing",
		`[data-testid="notice-reason"]`:     "A delivery failed all 3 of its automatic attempts.",
		`[data-testid="notice-last-error"]`: "HTTP 500 from your server",
		`[data-testid="notice-failed"]`:     "1 failed delivery since",
	} {
		if got := p.text(sel); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}
	if got := attr(p.one(`[data-testid="notice-endpoint-link"]`), "href"); got != "/endpoints/"+ep {
		t.Errorf("endpoint link %q", got)
	}
	recover := attr(p.one(`[data-testid="notice-recover-link"]`), "href")
	if !strings.HasPrefix(recover, "/endpoints/"+ep+"/recover?from=") {
		t.Errorf("recover link %q", recover)
	}
	// The link opens the form counting the failed delivery.
	if got := alice.get(recover).status(http.StatusOK).text(`[data-testid="recovery-summary"]`); !strings.Contains(got, "1 failed delivery") {
		t.Errorf("recovery form from the notice: %q", got)
	}
	if !p.has(`[data-testid="notices-no-smtp"]`) {
		t.Error("no SMTP: the page does not say so")
	}
	upTo := attr(p.one(`[data-testid="notices-read-form"] input[name="upTo"]`), "value")

	// Viewing marks it read: htmx posts the newest id shown, and swaps the
	// header's count.
	frag := alice.post("/notices/read", url.Values{"upTo": {upTo}}, htmx("")).status(http.StatusOK)
	if c := frag.one(`[data-testid="nav-unread"]`); attr(c, "data-count") != "0" || attr(c, "hx-swap-oob") != "true" {
		t.Fatalf("read: fragment %s", frag.Body)
	}
	if attr(alice.get("/notices").one(`[data-testid="notice"]`), "data-unread") != "false" {
		t.Fatal("the notice is still unread")
	}
	for _, bad := range []string{"", "abc", "0", "-5", "99999999999999999999"} {
		alice.post("/notices/read", url.Values{"upTo": {bad}}).status(http.StatusBadRequest)
	}
	alice.get("/notices?cursor=nonsense").status(http.StatusBadRequest).one(`[data-testid="notices-error"]`)

	bob := newClient(t, app)
	bob.signUp("bob@notices.example")
	bob.get("/notices").status(http.StatusOK).one(`[data-testid="notices-empty"]`)
	bob.get("/admin/notices").status(http.StatusNotFound)

	admin := newClient(t, app)
	newAdmin(t, app, "root@notices.example")
	admin.logIn("root@notices.example", testPassword).status(http.StatusSeeOther)
	ap := admin.get("/admin/notices").status(http.StatusOK)
	if got := ap.text(`[data-testid="notice-owner"]`); got != "alice@notices.example" {
		t.Errorf("admin: owner %q", got)
	}
	if got := attr(ap.one(`[data-testid="notice-mail"]`), "data-state"); got != "no_smtp" {
		t.Errorf("admin: email state %q, want no_smtp", got)
	}
	if ap.has(`[data-testid="notice-endpoint-link"]`) {
		t.Error("admin: links into the owner's dashboard")
	}
	admin.get("/admin/notices?state=sent").status(http.StatusOK).one(`[data-testid="admin-notices-empty"]`)
	admin.get("/admin/notices?state=no_smtp").status(http.StatusOK).one(`[data-testid="notice"]`)
	admin.get("/admin/notices?state=bogus").status(http.StatusBadRequest).one(`[data-testid="admin-notices-error"]`)
	admin.get("/admin/notices?cursor=%00").status(http.StatusBadRequest)
}

// TestNoticeSettings: each kind's email can be turned off and on again;
// an unknown kind is a message on the form; a form without a session goes
// to the login; the one-click unsubscribe of the emails (RFC 8058: a POST
// with no session) turns its kind off only with the link's valid token.
func TestNoticeSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	alice := newClient(t, app)
	id := alice.signUp("alice@settings.example")
	p := alice.get("/settings/notifications").status(http.StatusOK)
	if n := len(p.all(`[data-testid="settings-form"] input[type="checkbox"][checked]`)); n != 4 {
		t.Fatalf("%d kinds on, want all 4", n)
	}
	off := func() string {
		t.Helper()
		kinds, err := app.Store.NoticeOptouts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(kinds, ",")
	}
	p = alice.post("/settings/notifications", url.Values{"email": {"failing", "recovered"}}).status(http.StatusOK)
	p.one(`[data-testid="settings-saved"]`)
	if got := off(); got != "disabled,disabling" {
		t.Fatalf("off: %q", got)
	}
	if hasAttr(p.one(`[data-testid="setting-disabled"]`), "checked") || !hasAttr(p.one(`[data-testid="setting-failing"]`), "checked") {
		t.Error("the saved page does not show the choice")
	}
	alice.post("/settings/notifications", url.Values{"email": {"failing", "nonsense"}}).
		status(http.StatusUnprocessableEntity).one(`[data-testid="settings-error"]`)
	if got := off(); got != "disabled,disabling" {
		t.Fatalf("a bad form changed the settings: %q", got)
	}
	alice.post("/settings/notifications", url.Values{"email": {"failing", "disabling", "disabled", "recovered"}}).status(http.StatusOK)
	if got := off(); got != "" {
		t.Fatalf("all on again, off: %q", got)
	}
	alice.get("/settings/notifications?kind=failing").status(http.StatusOK).one(`[data-testid="settings-from-email"]`)

	anon := newClient(t, app)
	if p := anon.post("/settings/notifications", url.Values{"email": {"failing"}}); p.Status != http.StatusSeeOther ||
		!strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Fatalf("form without a session: %d %s", p.Status, p.Header.Get("Location"))
	}

	// A mail provider's one-click POST: no cookie, no browser headers.
	oneClick := func(kind, token string) int {
		t.Helper()
		q := url.Values{"user": {id}, "kind": {kind}, "token": {token}}
		resp, err := http.Post(app.URL+"/settings/notifications?"+q.Encode(), "application/x-www-form-urlencoded",
			strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	key := app.Config.EncryptionKey
	for _, bad := range []struct{ kind, token string }{
		{"failing", ""}, {"failing", "nonsense"}, {"failing", auth.UnsubscribeToken(key, id, "recovered")},
		{"failing", auth.UnsubscribeToken([]byte("another key, another key, 32 by"), id, "failing")},
		{"everything", auth.UnsubscribeToken(key, id, "everything")},
	} {
		if got := oneClick(bad.kind, bad.token); got != http.StatusBadRequest {
			t.Errorf("one-click %s with token %q: %d, want 400", bad.kind, bad.token, got)
		}
	}
	if got := off(); got != "" {
		t.Fatalf("bad one-clicks turned off %q", got)
	}
	if got := oneClick("failing", auth.UnsubscribeToken(key, id, "failing")); got != http.StatusOK {
		t.Fatalf("one-click: %d", got)
	}
	if got := off(); !slices.Equal(strings.Split(got, ","), []string{"failing"}) {
		t.Fatalf("after one-click, off: %q", got)
	}
}
