package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// attentionGroups are the page's groups in order, by data-key.
func attentionGroups(p *page) []string {
	var keys []string
	for _, g := range p.all(`[data-testid="attention-group"]`) {
		keys = append(keys, attr(g, "data-key"))
	}
	return keys
}

// attentionGroup is the group with that key.
func attentionGroup(p *page, key string) *page {
	p.t.Helper()
	sub := *p
	sub.Doc = p.one(`[data-testid="attention-group"][data-key="` + key + `"]`)
	return &sub
}

// TestAdminAttention: the admin lands on Needs attention; failing
// endpoints are listed worst first with owner, failing since, failures in
// 24 hours, their trend and last error in words; by host, two users'
// endpoints on one receiver are one group; "Retry this group…" is the
// bulk retry of that endpoint or host, its count first, and a group whose
// failures succeeded on retry is gone. A bad grouping is a 400 with a
// message; a non-admin gets the 404 of every admin page.
func TestAdminAttention(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, http.StatusServiceUnavailable)
	fine := newReceiver(t, http.StatusOK)
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "10ms"}})
	alice := app.NewUser(t, "alice@attention.example")
	bob := app.NewUser(t, "bob@attention.example")
	carol := app.NewUser(t, "carol@attention.example")
	dave := app.NewUser(t, "dave@attention.example")
	aliceEP := app.NewEndpoint(t, alice, rc.URL+"/alice").ID
	bobEP := app.NewEndpoint(t, bob, rc.URL+"/bob").ID
	carolEP := app.NewEndpoint(t, carol, strings.Replace(rc.URL, "127.0.0.1", "localhost", 1)+"/carol").ID
	app.NewEndpoint(t, dave, fine.URL+"/dave")
	var failed []string
	for _, u := range []string{alice, alice, bob, carol} { // bob's fails before carol's
		failed = append(failed, publish(t, app, u, "comment.added", "")...)
	}
	ok := publish(t, app, dave, "comment.added", "")[0]
	for _, id := range failed {
		app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "failed" })
	}
	app.WaitDelivery(t, ok, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })

	newAdmin(t, app, "root@attention.example")
	c := newClient(t, app)
	if loc := c.logIn("root@attention.example", testPassword).status(http.StatusSeeOther).Header.Get("Location"); loc != "/admin/attention" {
		t.Fatalf("the admin lands on %q, want /admin/attention", loc)
	}
	if loc := c.get("/").status(http.StatusSeeOther).Header.Get("Location"); loc != "/admin/attention" {
		t.Fatalf("/ sends the admin to %q", loc)
	}

	p := c.get("/admin/attention").status(http.StatusOK)
	// Two failures first; then one each, bob's failing for longer.
	if got, want := attentionGroups(p), []string{aliceEP, bobEP, carolEP}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("groups %v, want %v (dave's endpoint succeeds: not listed)", got, want)
	}
	a := attentionGroup(p, aliceEP)
	for sel, want := range map[string]string{
		`[data-testid="attention-owners"]`:     "alice@attention.example",
		`[data-testid="attention-failed"]`:     "2",
		`[data-testid="attention-last-error"]`: "HTTP 503 from your server",
		`[data-testid="attention-state"]`:      "Failing",
	} {
		if got := a.text(sel); got != want {
			t.Errorf("alice's %s reads %q, want %q", sel, got, want)
		}
	}
	if !strings.Contains(a.text(`[data-testid="attention-since"]`), "UTC") {
		t.Errorf("failing since %q", a.text(`[data-testid="attention-since"]`))
	}
	trend := a.one(`[data-testid="attention-trend"]`)
	counts := strings.Split(attr(trend, "data-counts"), ",")
	if len(counts) != 24 || counts[23] != "2" {
		t.Errorf("trend counts %v, want 24 hours with both failures in the last", counts)
	}
	if label := attr(trend, "aria-label"); attr(trend, "role") != "img" || !strings.Contains(label, "2 in all") {
		t.Errorf("the trend's text alternative: role %q, label %q", attr(trend, "role"), label)
	}
	if href := attr(a.one(`[data-testid="attention-open"]`), "href"); href != "/admin/deliveries?endpoint="+aliceEP+"&status=any" {
		t.Errorf("open link %q", href)
	}
	// The failed list is one click away.
	p.one(`[data-testid="admin-tab-deliveries"]`)
	opened := c.get(attr(a.one(`[data-testid="attention-open"]`), "href")).status(http.StatusOK)
	if got := rowIDs(opened); len(got) != 2 || !got[failed[0]] || !got[failed[1]] {
		t.Errorf("alice's deliveries %v", got)
	}
	opened.one(`[data-testid="admin-scope"]`)

	// By host: alice's and bob's endpoints share 127.0.0.1:<port>; carol's
	// localhost:<port> is another receiver as far as URLs go.
	host := strings.TrimPrefix(rc.URL, "http://")
	other := strings.Replace(host, "127.0.0.1", "localhost", 1)
	byHost := c.get("/admin/attention?by=host").status(http.StatusOK)
	if got := attentionGroups(byHost); len(got) != 2 || got[0] != host || got[1] != other {
		t.Fatalf("host groups %v, want %s then %s", got, host, other)
	}
	hg := attentionGroup(byHost, host)
	if got := hg.text(`[data-testid="attention-owners"]`); got != "alice@attention.example, bob@attention.example" {
		t.Errorf("host owners %q", got)
	}
	if got := hg.text(`[data-testid="attention-failed"]`); got != "3" {
		t.Errorf("host failures %q", got)
	}
	if n := len(hg.all(`[data-testid="attention-member"]`)); n != 2 {
		t.Errorf("host members %d", n)
	}
	// Its retry counts the host's failed deliveries, not carol's too.
	for key, want := range map[string]string{host: "3", other: "1"} {
		retry := attr(attentionGroup(byHost, key).one(`[data-testid="attention-retry"]`), "href")
		pre := c.get(retry).status(http.StatusOK)
		if n := attr(pre.one(`[data-testid="bulk-count"]`), "data-count"); n != want {
			t.Errorf("retry of host %s counts %s, want %s", key, n, want)
		}
	}

	// Retry alice's group: the count, then the recovery; the receiver
	// answers now, so her endpoint recovers and leaves the page.
	rc.status.Store(http.StatusOK)
	pre := c.get(attr(a.one(`[data-testid="attention-retry"]`), "href")).status(http.StatusOK)
	if n := attr(pre.one(`[data-testid="bulk-count"]`), "data-count"); n != "2" {
		t.Fatalf("alice's retry counts %s, want 2", n)
	}
	form := url.Values{}
	for _, in := range pre.all(`[data-testid="bulk-confirm-form"] input[type=hidden]`) {
		form.Set(attr(in, "name"), attr(in, "value"))
	}
	if form.Get("endpoint") != aliceEP {
		t.Fatalf("the confirmation does not keep the endpoint: %v", form)
	}
	done := c.post("/admin/deliveries/retry", form, htmx("admin-results")).status(http.StatusOK)
	if retried, total, succeeded := pollRecovery(t, c, done); retried != 2 || total != 2 || succeeded != 2 {
		t.Fatalf("alice's recovery: %d of %d retried, %d succeeded", retried, total, succeeded)
	}
	after := c.get("/admin/attention").status(http.StatusOK)
	if got := attentionGroups(after); len(got) != 2 || got[0] != bobEP || got[1] != carolEP {
		t.Fatalf("after alice's recovery the groups are %v", got)
	}

	// Disabled by the service: no retry, and why.
	if _, err := app.Pool.Exec(t.Context(), `UPDATE endpoints SET enabled = false, disabled_by = 'system', disabled_at = now(),
		disabled_reason = 'automatically disabled: no successful delivery' WHERE id = $1`, carolEP); err != nil {
		t.Fatal(err)
	}
	cg := attentionGroup(c.get("/admin/attention").status(http.StatusOK), carolEP)
	if cg.has(`[data-testid="attention-retry"]`) || !strings.Contains(cg.text(`[data-testid="attention-retry-note"]`), "enable it again") {
		t.Errorf("a disabled endpoint offers a retry, or does not say why not")
	}
	if got := cg.text(`[data-testid="attention-state"]`); got != "Auto-disabled" {
		t.Errorf("carol's state %q", got)
	}

	t.Run("bad parameters", func(t *testing.T) {
		c.t = t
		for _, tc := range []struct{ name, path, sel string }{
			{"unknown grouping", "/admin/attention?by=owner", `[data-testid="attention-error"]`},
			{"endpoint id", "/admin/deliveries?endpoint=not-an-id", `[data-testid="admin-error"]`},
			{"host too long", "/admin/deliveries?exactHost=" + strings.Repeat("h", 301), `[data-testid="admin-error"]`},
			{"retry of an endpoint id", "/admin/deliveries/retry?endpoint=ep_%00", `[data-testid="bulk-error"]`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				p := c.get(tc.path)
				if p.Status >= 500 {
					t.Fatalf("status %d", p.Status)
				}
				if msg := p.text(tc.sel); msg == "" {
					t.Fatal("no message")
				}
			})
		}
		if got := c.get("/admin/attention?by=owner").Status; got != http.StatusBadRequest {
			t.Errorf("unknown grouping: status %d, want 400", got)
		}
	})

	t.Run("not an admin", func(t *testing.T) {
		u := newClient(t, app)
		u.signUp("not-admin@attention.example")
		if loc := u.logIn("not-admin@attention.example", testPassword).status(http.StatusSeeOther).Header.Get("Location"); loc != "/endpoints" {
			t.Errorf("a user lands on %q, want /endpoints", loc)
		}
		u.get("/admin/attention").status(http.StatusNotFound)
		u.get("/admin/attention?by=host").status(http.StatusNotFound)
	})
}

// TestAdminAttentionEmpty: with nothing failing the page says so, and
// links to the failed list.
func TestAdminAttentionEmpty(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	newAdmin(t, app, "calm@attention.example")
	c := newClient(t, app)
	c.logIn("calm@attention.example", testPassword).status(http.StatusSeeOther)
	for _, by := range []string{"", "?by=host"} {
		p := c.get("/admin/attention" + by).status(http.StatusOK)
		if got := p.text(`[data-testid="attention-empty"] h2`); got != "Nothing needs attention" {
			t.Errorf("empty state %q", got)
		}
		if href := attr(p.one(`[data-testid="attention-failed-link"]`), "href"); href != "/admin/deliveries" {
			t.Errorf("failed list link %q", href)
		}
		if p.has(`[data-testid="attention-group"]`) {
			t.Error("groups on an empty page")
		}
	}
}
