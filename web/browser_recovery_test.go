package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// journeyRecovery: an endpoint the service disabled after failing shows
// why; the owner fixes the receiver, enables it, sees how many failed
// deliveries the recovery would retry, confirms, and watches the progress
// update by itself until every one succeeded. The audit log lists it.
func journeyRecovery(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{Env: recoveryEnv})
	rc := newReceiver(t, http.StatusOK)
	b.signUp(app, "journey-r@example.com")
	u, err := app.Store.UserByEmail(context.Background(), "journey-r@example.com")
	if err != nil {
		t.Fatal(err)
	}
	epID, failed, _ := autoDisabledEndpoint(t, app, rc, u.ID, 4)

	row := `[data-testid="endpoint-row"][data-endpoint-id="` + epID + `"]`
	b.do("the list shows the auto-disable",
		chromedp.Navigate(app.URL+"/endpoints"),
		chromedp.WaitVisible(css(row+` [data-testid="endpoint-state"][data-state="auto-disabled"]`)),
	)
	b.check("18-endpoints-auto-disabled")
	b.do("open the endpoint",
		chromedp.Click(css(row+` [data-testid="endpoint-link"]`)),
		chromedp.WaitVisible(css(`[data-testid="disabled-banner"][data-auto="true"]`)),
	)
	if got := b.text(`[data-testid="disabled-reason"]`); !strings.HasPrefix(got, "No successful delivery for") {
		t.Fatalf("reason %q", got)
	}
	b.check("19-endpoint-auto-disabled")

	rc.status.Store(http.StatusOK)
	run(b, "mark the page", chromedp.Evaluate[bool](`window.__noReload = true`))
	b.do("enable it",
		chromedp.Click(css(`[data-testid="enable-endpoint"]`)),
		chromedp.WaitVisible(css(`[data-testid="recovery-reenabled"]`)),
		chromedp.WaitVisible(css(`[data-testid="recovery-count"][data-count="4"]`)),
	)
	if got := b.text(`[data-testid="recovery-count"]`); !strings.HasPrefix(got, "Retry the 4 failed deliveries since ") {
		t.Fatalf("offer %q", got)
	}
	b.check("20-reenabled-recovery-offer")
	b.do("confirm the recovery",
		chromedp.Click(css(`[data-testid="recovery-confirm"]`)),
		chromedp.WaitVisible(css(`[data-testid="recovery-progress"]`)),
	)
	b.check("21-recovery-started")
	b.do("the progress updates by itself",
		chromedp.WaitVisible(css(`[data-testid="recovery-progress"][data-done="true"]`)),
	)
	if got := b.text(`[data-testid="recovery-numbers"]`); got != "4 of 4 retried · 4 succeeded" {
		t.Fatalf("progress %q", got)
	}
	if !run(b, "check the mark", chromedp.Evaluate[bool](`window.__noReload === true`)) {
		t.Fatal("the page was reloaded")
	}
	b.check("22-recovery-done")
	for _, id := range failed {
		if d := app.Delivery(t, id); d.Status != "succeeded" {
			t.Fatalf("delivery %s is %s after the recovery", id, d.Status)
		}
	}
	b.do("the recovery's own page",
		chromedp.Click(css(`[data-testid="recovery-link"]`)),
		chromedp.WaitVisible(css(`[data-testid="recovery-page"] [data-testid="recovery-progress"][data-done="true"]`)),
	)
	b.check("22b-recovery-page")
	b.do("a range that is not one (the page without JavaScript)",
		chromedp.Navigate(app.URL+"/endpoints/"+epID+"/recover?from=yesterday"),
		chromedp.WaitVisible(css(`[data-testid="recovery-from-error"]`)),
	)
	b.check("22c-recovery-range-error")

	b.do("audit log",
		chromedp.Click(css(`[data-testid="nav-audit"]`)),
		chromedp.WaitVisible(css(`[data-testid="audit-row"][data-action="recovery.started"]`)),
	)
	b.check("23-audit-log")

	// Three more fail while the receiver is down again; an admin retries
	// them in bulk from the failed list and watches the progress.
	rc.status.Store(http.StatusServiceUnavailable)
	var again []string
	for range 3 {
		again = append(again, publish(t, app, u.ID, "comment.added", "")[0])
	}
	for _, id := range again {
		app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "failed" })
	}
	rc.status.Store(http.StatusOK)

	newAdmin(t, app, "journey-r-admin@example.com")
	b.do("log out", chromedp.Click(css(`[data-testid="logout"]`)), chromedp.WaitVisible(css(`[data-testid="login-email"]`)))
	b.logIn(app, "journey-r-admin@example.com")
	b.do("admin audit log",
		chromedp.Navigate(app.URL+"/admin/audit"),
		chromedp.WaitVisible(css(`[data-testid="audit-row"][data-action="endpoint.updated"]`)),
	)
	b.check("24-admin-audit-log")

	b.do("admin bulk retry preview",
		chromedp.Click(css(`[data-testid="admin-tab-deliveries"]`)),
		chromedp.WaitVisible(css(`[data-testid="bulk-preview"]`)),
		chromedp.Click(css(`[data-testid="bulk-preview"]`)),
		chromedp.WaitVisible(css(`[data-testid="bulk-count"][data-count="3"]`)),
	)
	b.check("25-admin-bulk-confirm")
	b.do("admin bulk retry",
		chromedp.Click(css(`[data-testid="bulk-confirm"]`)),
		chromedp.WaitVisible(css(`[data-testid="bulk-done"] [data-testid="recovery-progress"][data-done="true"]`)),
	)
	if got := b.text(`[data-testid="recovery-numbers"]`); got != "3 of 3 retried · 3 succeeded" {
		t.Fatalf("admin progress %q", got)
	}
	b.check("26-admin-bulk-done")
	b.do("the admin's recovery page",
		chromedp.Click(css(`[data-testid="bulk-done"] [data-testid="recovery-link"]`)),
		chromedp.WaitVisible(css(`[data-testid="recovery-page"] [data-testid="recovery-progress"][data-done="true"]`)),
	)
	b.check("27-admin-recovery-page")
}
