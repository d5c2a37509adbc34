package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// auditRows maps each row of an audit page by its action (the newest row
// of each action).
func auditRows(p *page) map[string]*html.Node {
	out := map[string]*html.Node{}
	for _, r := range p.all(`[data-testid="audit-row"]`) {
		if _, ok := out[attr(r, "data-action")]; !ok {
			out[attr(r, "data-action")] = r
		}
	}
	return out
}

func cell(row *html.Node, testid string) string {
	n := cascadiaOne(row, `[data-testid="`+testid+`"]`)
	if n == nil {
		return ""
	}
	return textOf(n)
}

// TestAuditLogPages: every dashboard action on a user's resources (secret
// shown and rotated, endpoint changed, a delivery retried, a bulk
// recovery) is on the user's audit page with who, when and from where,
// newest first and keyset paged; untrusted text is escaped; another user
// sees none of it; an admin's action shows as "ClipCabinet admin" without
// its address; the admin's page shows everyone's, filtered by user and
// action, and is a 404 for anyone else.
func TestAuditLogPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	alice := newClient(t, app)
	aliceID := alice.signUp("alice@audit.example")
	const evil = `/hook?q=<script>alert("audit")</script>`
	ep := alice.createEndpoint("http://127.0.0.1:9/hook", "", "comment.added")
	alice.post("/endpoints/"+ep+"/secret/reveal", nil, htmx("secret-box")).status(http.StatusOK)
	alice.post("/endpoints/"+ep+"/secret/rotate", nil, htmx("secret-box")).status(http.StatusOK)
	alice.post("/endpoints/"+ep+"/edit", url.Values{"url": {"http://127.0.0.1:9" + evil}, "events": {"comment.added"}}).status(http.StatusSeeOther)
	retried := publish(t, app, aliceID, "comment.added", "")[0]
	alice.post("/endpoints/"+ep+"/deliveries/"+retried+"/retry", nil, htmx("delivery-live")).status(http.StatusOK)
	// Two deliveries whose schedule ran out, retried in bulk.
	publish(t, app, aliceID, "comment.added", "")
	publish(t, app, aliceID, "comment.added", "")
	if _, err := app.Pool.Exec(ctx, `WITH dq AS (DELETE FROM delivery_queue WHERE endpoint_id = $1 AND delivery_id <> $2)
		UPDATE deliveries SET status = 'failed', next_attempt_at = NULL,
		completed_at = now() WHERE endpoint_id = $1 AND id <> $2`, ep, retried); err != nil {
		t.Fatal(err)
	}
	from := attr(alice.get("/endpoints/"+ep).one(`[data-testid="recovery-from"]`), "value")
	alice.post("/endpoints/"+ep+"/recoveries", url.Values{"from": {from}}, htmx("recovery")).status(http.StatusCreated)

	p := alice.get("/audit").status(http.StatusOK)
	p.one(`[data-testid="nav-audit"][aria-current]`)
	rows := auditRows(p)
	for action, want := range map[string]struct{ text, target string }{
		// Targets name the endpoint as it is now.
		"endpoint.created": {"Added the endpoint", "http://127.0.0.1:9" + evil},
		"secret.revealed":  {"Revealed the signing secret", "http://127.0.0.1:9" + evil},
		"secret.rotated":   {"Rotated the signing secret", "http://127.0.0.1:9" + evil},
		"endpoint.updated": {"Changed the endpoint", "http://127.0.0.1:9" + evil},
		"delivery.retried": {"Retried a delivery", retried},
		"recovery.started": {"Retried 2 failed deliveries in bulk", "Failed deliveries of http://127.0.0.1:9" + evil},
	} {
		row := rows[action]
		if row == nil {
			t.Fatalf("no %s entry on the audit page:\n%.3000s", action, p.Body)
		}
		if got := cell(row, "audit-action-text"); got != want.text {
			t.Errorf("%s: says %q, want %q", action, got, want.text)
		}
		if got := cell(row, "audit-actor"); got != "alice@audit.example" {
			t.Errorf("%s: who %q", action, got)
		}
		if got := cell(row, "audit-address"); got != "127.0.0.1" {
			t.Errorf("%s: from %q", action, got)
		}
		if got := cell(row, "audit-when"); !strings.HasSuffix(got, " UTC") {
			t.Errorf("%s: when %q", action, got)
		}
		if cascadiaOne(row, "time[data-relative][datetime]") == nil {
			t.Errorf("%s: no relative time", action)
		}
		if got := cell(row, "audit-target"); got != want.target {
			t.Errorf("%s: target %q, want %q", action, got, want.target)
		}
	}
	if link := attr(cascadiaOne(rows["delivery.retried"], `[data-testid="audit-target"] a`), "href"); link != "/endpoints/"+ep+"/deliveries/"+retried {
		t.Errorf("delivery link %q", link)
	}
	if link := attr(cascadiaOne(rows["recovery.started"], `[data-testid="audit-target"] a`), "href"); !strings.HasPrefix(link, "/endpoints/"+ep+"/recoveries/rcv_") {
		t.Errorf("recovery link %q", link)
	}
	if d := cell(rows["endpoint.updated"], "audit-detail"); !strings.Contains(d, "URL set to http://127.0.0.1:9"+evil) {
		t.Errorf("update detail %q", d)
	}
	if d := cell(rows["recovery.started"], "audit-detail"); !strings.HasPrefix(d, "created "+strings.Replace(from, "T", " ", 1)+" UTC – ") {
		t.Errorf("recovery detail %q (from %s)", d, from)
	}
	assertEscaped(t, p, `<script>alert("audit")</script>`)
	// Newest first: the recovery was the last action.
	if first := p.all(`[data-testid="audit-row"]`)[0]; attr(first, "data-action") != "recovery.started" {
		t.Errorf("first row is %s", attr(first, "data-action"))
	}

	// Another user sees none of it, and nothing of alice's opens for them.
	bob := newClient(t, app)
	bob.signUp("bob@audit.example")
	bp := bob.get("/audit").status(http.StatusOK)
	bp.one(`[data-testid="audit-empty"]`)
	if strings.Contains(bp.Body, "alice@audit.example") || strings.Contains(bp.Body, ep) {
		t.Fatal("bob's audit page shows alice's entries")
	}
	bob.get("/admin/audit").status(http.StatusNotFound)
	alice.get("/admin/audit").status(http.StatusNotFound)

	// An admin acts on alice's delivery: alice sees that an admin did, not who or from where.
	newAdmin(t, app, "root@audit.example")
	root := newClient(t, app)
	root.logIn("root@audit.example", testPassword).status(http.StatusSeeOther)
	if _, err := app.Pool.Exec(ctx, `DELETE FROM delivery_queue WHERE delivery_id = $1`, retried); err != nil {
		t.Fatal(err)
	}
	root.post("/admin/deliveries/"+retried+"/retry?view=row", nil, htmx("row-"+retried)).status(http.StatusOK)
	byAdmin := alice.get("/audit").all(`[data-testid="audit-row"]`)[0]
	if attr(byAdmin, "data-action") != "delivery.retried" || cell(byAdmin, "audit-actor") != "ClipCabinet admin" || cell(byAdmin, "audit-address") != "—" {
		t.Fatalf("admin's retry on alice's page: %q by %q from %q", attr(byAdmin, "data-action"), cell(byAdmin, "audit-actor"), cell(byAdmin, "audit-address"))
	}

	// The admin's page: everyone's entries, with the owner; filters.
	ap := root.get("/admin/audit").status(http.StatusOK)
	ap.one(`[data-testid="admin-tab-audit"][aria-current]`)
	top := ap.all(`[data-testid="audit-row"]`)[0]
	if cell(top, "audit-actor") != "root@audit.example" || cell(top, "audit-owner") != "alice@audit.example" || cell(top, "audit-address") != "127.0.0.1" {
		t.Fatalf("admin's view of the admin's retry: %q for %q from %q", cell(top, "audit-actor"), cell(top, "audit-owner"), cell(top, "audit-address"))
	}
	if link := attr(cascadiaOne(top, `[data-testid="audit-target"] a`), "href"); link != "/admin/deliveries/"+retried {
		t.Errorf("admin delivery link %q", link)
	}
	assertEscaped(t, ap, `<script>alert("audit")</script>`)
	for _, tc := range []struct {
		name    string
		query   string
		status  int
		actions []string // every row's action is one of these; nil: no rows
		problem bool
	}{
		{"by owner email", "user=alice%40audit", http.StatusOK, []string{"endpoint.created", "secret.revealed", "secret.rotated", "endpoint.updated", "delivery.retried", "recovery.started"}, false},
		{"by actor email", "user=root%40", http.StatusOK, []string{"delivery.retried"}, false},
		{"by user id", "user=" + aliceID, http.StatusOK, []string{"endpoint.created", "secret.revealed", "secret.rotated", "endpoint.updated", "delivery.retried", "recovery.started"}, false},
		{"by action", "action=secret.rotated", http.StatusOK, []string{"secret.rotated"}, false},
		{"no match", "user=nobody%40nowhere", http.StatusOK, nil, false},
		{"unknown action", "action=%3Cscript%3E", http.StatusOK, []string{"endpoint.created", "secret.revealed", "secret.rotated", "endpoint.updated", "delivery.retried", "recovery.started"}, true},
		{"NUL in the user filter", "user=a%00b", http.StatusBadRequest, nil, true},
		{"not UTF-8", "cursor=%ff%fe", http.StatusBadRequest, nil, true},
		{"bad cursor", "cursor=garbage", http.StatusOK, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := root.get("/admin/audit?" + tc.query).status(tc.status)
			got := p.all(`[data-testid="audit-row"]`)
			if tc.actions == nil && len(got) > 0 {
				t.Fatalf("%d rows, want none", len(got))
			}
			if tc.actions != nil && len(got) == 0 {
				t.Fatal("no rows")
			}
			for _, r := range got {
				if !contains(tc.actions, attr(r, "data-action")) {
					t.Fatalf("row %s, want one of %v", attr(r, "data-action"), tc.actions)
				}
			}
			if tc.problem != p.has(`[data-testid="audit-error"]`) {
				t.Fatalf("inline message shown: %v, want %v", !tc.problem, tc.problem)
			}
		})
	}

	// Keyset paging: 55 more reveals make two pages with nothing lost or repeated.
	for range 55 {
		alice.post("/endpoints/"+ep+"/secret/reveal", nil, htmx("secret-box")).status(http.StatusOK)
	}
	seen := map[string]bool{}
	next, pages := "/audit", 0
	for next != "" {
		p := alice.get(next).status(http.StatusOK)
		pages++
		for _, r := range p.all(`[data-testid="audit-row"]`) {
			id := attr(r, "data-audit-id")
			if seen[id] {
				t.Fatalf("entry %s on two pages", id)
			}
			seen[id] = true
		}
		next = ""
		if p.has(`[data-testid="audit-next"]`) {
			next = attr(p.one(`[data-testid="audit-next"]`), "href")
		}
	}
	var total int
	_ = app.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE user_id = $1`, aliceID).Scan(&total)
	if pages != 2 || len(seen) != total {
		t.Fatalf("%d pages with %d entries; alice has %d", pages, len(seen), total)
	}
	alice.get("/audit?cursor=garbage").status(http.StatusOK).one(`[data-testid="audit-error"]`)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
