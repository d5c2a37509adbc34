package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testapp"
)

// journeyAttention: the admin logs in and lands on Needs attention; the
// failing endpoints are there, worst first, with their trend and last
// error; by host, two users' endpoints on one receiver are one group. The
// receiver is fixed; the admin retries the worst group, sees the count
// first, confirms, watches the progress, and back on Needs attention the
// group is gone. With nothing left, the page says so.
func journeyAttention(t *testing.T, b *tab) {
	ctx := context.Background()
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "50ms"}})
	rc := newReceiver(t, http.StatusServiceUnavailable)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close() // a port nothing listens on: "Connection refused"

	alice := app.NewUser(t, "alice@receiver-owner.example")
	bob := app.NewUser(t, "bob.with.a.rather.long.address@another-company.example")
	carol := app.NewUser(t, "carol@closed.example")
	aliceEP := app.NewEndpoint(t, alice, rc.URL+"/webhooks/clipcabinet/production", "comment.added").ID
	bobEP := app.NewEndpoint(t, bob, rc.URL+"/hooks", "comment.added").ID
	carolEP := app.NewEndpoint(t, carol, closedURL+"/hook", "comment.added").ID
	var failed []string
	for _, u := range []string{alice, alice, alice, bob, carol} {
		failed = append(failed, publish(t, app, u, "comment.added", "")...)
	}
	for _, id := range failed {
		app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "failed" })
	}
	if _, err := app.Pool.Exec(ctx, `UPDATE endpoints SET enabled = false, disabled_by = 'system', disabled_at = now(),
		disabled_reason = 'automatically disabled: no successful delivery for 3 days' WHERE id = $1`, carolEP); err != nil {
		t.Fatal(err)
	}

	newAdmin(t, app, "attention-admin@example.com")
	b.logIn(app, "attention-admin@example.com")
	group := func(key string) string { return `[data-testid="attention-group"][data-key="` + key + `"]` }
	b.do("the admin lands on Needs attention",
		chromedp.WaitVisible(css(`[data-testid="attention-list"]`)),
		chromedp.WaitVisible(css(group(aliceEP))),
	)
	if loc := b.location(); !strings.HasSuffix(loc, "/admin/attention") {
		t.Fatalf("after login the admin is at %s", loc)
	}
	if got := b.text(group(aliceEP) + ` [data-testid="attention-failed"]`); got != "3" {
		t.Fatalf("alice's failures %q", got)
	}
	if got := b.text(group(carolEP) + ` [data-testid="attention-last-error"]`); !strings.HasPrefix(got, "Connection refused by") {
		t.Fatalf("carol's last error %q", got)
	}
	b.check("90-needs-attention")

	host := strings.TrimPrefix(rc.URL, "http://")
	b.do("group by host",
		chromedp.Click(css(`[data-testid="attention-by-host"]`)),
		chromedp.WaitVisible(css(group(host))),
		chromedp.Click(css(group(host)+` [data-testid="attention-members"] summary`)),
		chromedp.WaitVisible(css(group(host)+` [data-testid="attention-member"]`)),
	)
	if got := b.text(group(host) + ` [data-testid="attention-owners"]`); !strings.Contains(got, "alice@") || !strings.Contains(got, "bob.with") {
		t.Fatalf("host group owners %q", got)
	}
	b.check("91-needs-attention-by-host")

	rc.status.Store(http.StatusOK)
	b.do("retry alice's group: the count first",
		chromedp.Click(css(`[data-testid="attention-by-endpoint"]`)),
		chromedp.WaitVisible(css(group(aliceEP))),
		chromedp.Click(css(group(aliceEP)+` [data-testid="attention-retry"]`)),
		chromedp.WaitVisible(css(`[data-testid="bulk-count"][data-count="3"]`)),
	)
	b.check("92-attention-retry-count")
	b.do("confirm, and the progress runs to the end",
		chromedp.Click(css(`[data-testid="bulk-confirm"]`)),
		chromedp.WaitVisible(css(`[data-testid="bulk-done"] [data-testid="recovery-progress"][data-done="true"]`)),
	)
	if got := b.text(`[data-testid="recovery-numbers"]`); got != "3 of 3 retried · 3 succeeded" {
		t.Fatalf("progress %q", got)
	}
	b.check("93-attention-retry-done")
	b.do("back on Needs attention the group is gone",
		chromedp.Click(css(`[data-testid="admin-tab-attention"]`)),
		chromedp.WaitVisible(css(group(bobEP))),
		chromedp.WaitNotPresent(css(group(aliceEP))),
	)

	// Bob's goes the same way; carol's endpoint is deleted: nothing left.
	b.do("retry bob's group",
		chromedp.Click(css(group(bobEP)+` [data-testid="attention-retry"]`)),
		chromedp.WaitVisible(css(`[data-testid="bulk-count"][data-count="1"]`)),
		chromedp.Click(css(`[data-testid="bulk-confirm"]`)),
		chromedp.WaitVisible(css(`[data-testid="bulk-done"] [data-testid="recovery-progress"][data-done="true"]`)),
	)
	if err := app.Store.EndpointDelete(ctx, store.Actor{ID: "api"}, carolEP); err != nil {
		t.Fatal(err)
	}
	b.do("nothing needs attention",
		chromedp.Click(css(`[data-testid="admin-tab-attention"]`)),
		chromedp.WaitVisible(css(`[data-testid="attention-empty"]`)),
	)
	b.check("94-needs-attention-empty")
}
