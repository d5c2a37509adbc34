package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// publish sends one event through the API and returns its delivery ids.
func publish(t testing.TB, app *testapp.App, userID, event, recordingID string) []string {
	t.Helper()
	var data map[string]any
	_ = json.Unmarshal(webhook.SampleData(event, userID), &data)
	if recordingID != "" {
		data["recordingId"] = recordingID
	}
	var out struct {
		Deliveries []struct{ ID string } `json:"deliveries"`
	}
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/events", map[string]any{"event": event, "userId": userID, "data": data}, &out)
	var ids []string
	for _, d := range out.Deliveries {
		ids = append(ids, d.ID)
	}
	return ids
}

func rowIDs(p *page) map[string]bool {
	out := map[string]bool{}
	for _, r := range p.all(`[data-testid="delivery-row"]`) {
		out[attr(r, "data-delivery-id")] = true
	}
	return out
}

func TestAdminFailedDeliveries(t *testing.T) {
	t.Parallel()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "10ms"}})
	alice := app.NewUser(t, "alice@shop.example")
	bob := app.NewUser(t, "bob@studio.example")
	app.NewEndpoint(t, alice, failing.URL+"/alice")
	app.NewEndpoint(t, bob, strings.Replace(failing.URL, "127.0.0.1", "localhost", 1)+"/bob")
	a1 := publish(t, app, alice, "comment.added", "")[0]
	a2 := publish(t, app, alice, "recording.failed", "rec_alice_1")[0]
	b1 := publish(t, app, bob, "recording.completed", "rec_bob_1")[0]
	for _, id := range []string{a1, a2, b1} {
		app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "failed" })
	}

	newAdmin(t, app, "root@example.com")
	c := newClient(t, app)
	c.logIn("root@example.com", testPassword).status(http.StatusSeeOther)
	home := c.get("/admin/deliveries").status(http.StatusOK)
	home.one(`[data-testid="nav-admin"]`)
	if got := rowIDs(home); len(got) != 3 || !got[a1] || !got[a2] || !got[b1] {
		t.Fatalf("admin list %v", got)
	}

	for _, tc := range []struct {
		name  string
		query string
		want  []string
	}{
		{"user by email", "user=alice%40shop", []string{a1, a2}},
		{"user by id", "user=" + bob, []string{b1}},
		{"users by part of the address", "user=.example", []string{a1, a2, b1}},
		{"user unknown", "user=carol%40nowhere", nil},
		{"endpoint host", "host=localhost", []string{b1}},
		{"event type", "event=recording.failed", []string{a2}},
		{"time", "since=1h", []string{a1, a2, b1}},
		{"delivery id", "q=" + a1, []string{a1}},
		{"recording id", "q=rec_bob_1", []string{b1}},
		{"no match", "host=nowhere.example", nil},
		{"succeeded only", "status=succeeded", nil},
		{"any status", "status=any&user=bob", []string{b1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := c.get("/admin/deliveries?"+tc.query, htmx("admin-results")).status(http.StatusOK)
			got := rowIDs(p)
			if len(got) != len(tc.want) {
				t.Fatalf("rows %v, want %v", got, tc.want)
			}
			for _, id := range tc.want {
				if !got[id] {
					t.Fatalf("rows %v, want %v", got, tc.want)
				}
			}
			if len(tc.want) == 0 {
				p.one(`[data-testid="admin-empty"]`)
			}
		})
	}

	// Bulk retry says how many first, then queues exactly those.
	preview := c.get("/admin/deliveries/retry?user=alice%40shop", htmx("bulk-panel")).status(http.StatusOK)
	if n := attr(preview.one(`[data-testid="bulk-count"]`), "data-count"); n != "2" {
		t.Fatalf("bulk preview count %s, want 2", n)
	}
	if got := preview.text(`[data-testid="bulk-confirm"]`); got != "Retry 2 deliveries" {
		t.Fatalf("confirm button %q", got)
	}
	form := url.Values{}
	for _, in := range preview.all(`[data-testid="bulk-confirm-form"] input[type=hidden]`) {
		form.Set(attr(in, "name"), attr(in, "value"))
	}
	done := c.post("/admin/deliveries/retry", form, htmx("admin-results")).status(http.StatusOK)
	if msg := done.text(`[data-testid="bulk-done"]`); !strings.Contains(msg, "2 failed deliveries") {
		t.Fatalf("bulk result %q", msg)
	}
	// It is a recovery in the background: its progress polls the admin's
	// page of it until both were retried (and failed again).
	link := attr(done.one(`[data-testid="recovery-link"]`), "href")
	if !strings.HasPrefix(link, "/admin/recoveries/rcv_") {
		t.Fatalf("recovery link %q", link)
	}
	c.get(link).status(http.StatusOK).one(`[data-testid="recovery-page"]`)
	user := newClient(t, app)
	user.signUp("not-admin@example.com")
	user.get(link).status(http.StatusNotFound)
	if retried, total, succeeded := pollRecovery(t, c, done); retried != 2 || total != 2 || succeeded != 0 {
		t.Fatalf("bulk progress %d of %d retried, %d succeeded", retried, total, succeeded)
	}
	for id, want := range map[string]int{a1: 3, a2: 3, b1: 2} {
		app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return d.AttemptCount == want && d.Status == "failed" })
	}

	// A single retry from the list answers the row.
	row := c.post("/admin/deliveries/"+b1+"/retry?view=row", nil, htmx("row-"+b1)).status(http.StatusOK)
	if got := row.text(`[data-testid="row-message"]`); got != "Retry requested." {
		t.Fatalf("row message %q", got)
	}
	app.WaitDelivery(t, b1, 10*time.Second, func(d testapp.Delivery) bool { return d.AttemptCount == 3 })
	// The admin's page for one delivery names its owner.
	if got := c.get("/admin/deliveries/" + b1).text(`[data-testid="detail-owner"]`); got != "bob@studio.example" {
		t.Fatalf("owner %q", got)
	}
	// The bulk retry is one recovery: one audit entry for alice, with its count.
	audit, _ := app.Store.AuditList(context.Background(), alice, 50)
	var recoveries []string
	for _, a := range audit {
		if a.Action == "recovery.started" {
			recoveries = append(recoveries, string(a.Details))
		}
	}
	if len(recoveries) != 1 || !strings.Contains(recoveries[0], `"count": 2`) {
		t.Fatalf("alice's recovery audit entries: %v, want one with count 2", recoveries)
	}
}

// TestAdminHostFilter: the endpoint host filter matches part of the URL's
// host, whatever characters the host and the filter hold.
func TestAdminHostFilter(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	alice := app.NewUser(t, "alice@host.example")
	bob := app.NewUser(t, "bob@host.example")
	app.NewEndpoint(t, alice, "http://127.0.0.1:9/a")
	app.NewEndpoint(t, bob, "http://localhost:9/b?x=1")
	a := publish(t, app, alice, "comment.added", "")[0]
	b := publish(t, app, bob, "comment.added", "")[0]
	newAdmin(t, app, "root@host.example")
	c := newClient(t, app)
	c.logIn("root@host.example", testPassword).status(http.StatusSeeOther)
	tests := []struct {
		name, host string
		want       []string
	}{
		{"an IPv4 address", "127.0.0.1", []string{a}},
		{"part of an address", "0.0", []string{a}},
		{"a name", "LOCALHOST", []string{b}},
		{"the port", ":9", []string{a, b}},
		{"a digit of one host", "1", []string{a}},
		{"a digit in neither host", "5", nil},
		{"a question mark", "?", nil},
		{"the path is not the host", "/b", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			p := c.get("/admin/deliveries?status=any&host=" + url.QueryEscape(tc.host)).status(http.StatusOK)
			got := rowIDs(p)
			if len(got) != len(tc.want) {
				t.Fatalf("host %q: rows %v, want %v", tc.host, got, tc.want)
			}
			for _, id := range tc.want {
				if !got[id] {
					t.Fatalf("host %q: rows %v, want %v", tc.host, got, tc.want)
				}
			}
		})
	}
}

// TestAdminDoesNotSeeAnotherUsersSignature: a valid signature is as good
// as the secret for forging that body, so only the endpoint's owner sees
// it; an admin viewing someone else's delivery does not.
func TestAdminDoesNotSeeAnotherUsersSignature(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	owner := newClient(t, app)
	ownerID := owner.signUp("sig-owner@example.com")
	ep := owner.createEndpoint("http://127.0.0.1:9/sig", "")
	del := publish(t, app, ownerID, "comment.added", "")[0]
	newAdmin(t, app, "sig-admin@example.com")
	admin := newClient(t, app)
	admin.logIn("sig-admin@example.com", testPassword).status(http.StatusSeeOther)

	mine := owner.get("/endpoints/" + ep + "/deliveries/" + del).status(http.StatusOK)
	if sig := mine.text(`[data-testid="header-X-ClipCabinet-Signature"]`); !strings.Contains(sig, "sha256=") || strings.Contains(sig, "not available") {
		t.Fatalf("the owner sees %q", sig)
	}
	theirs := admin.get("/admin/deliveries/" + del).status(http.StatusOK)
	sig := theirs.text(`[data-testid="header-X-ClipCabinet-Signature"]`)
	if strings.Contains(sig, strings.TrimPrefix(strings.Fields(mine.text(`[data-testid="header-X-ClipCabinet-Signature"]`))[0], "sha256=")) {
		t.Fatalf("an admin sees another user's valid signature: %q", sig)
	}
	if note := theirs.text(`[data-testid="signature-note"]`); sig != "(not shown)" || !strings.Contains(note, "owner") {
		t.Fatalf("the admin is not told why: %q, %q", sig, note)
	}
}
