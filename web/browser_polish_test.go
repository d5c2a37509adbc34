package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// viewerZone is the browser's time zone in journeyPolish: the page must
// show times in it, with UTC kept in the title.
const viewerZone = "America/New_York"

// journeyPolish (issue 14, "the fixes a first look catches"): in a
// browser set to New York time, long text wraps without word-break:
// break-all anywhere; exact times read in local time with UTC on hover,
// swapped fragments included; a retry in the drawer and closing it
// refresh the page behind; ids copy; the recovery range is typed; and a
// deleted endpoint's history stays readable to its owner.
func journeyPolish(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{})
	rc := newReceiver(t, http.StatusServiceUnavailable)
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: viewerZone}); err != nil {
		t.Fatalf("time zone: %v", err)
	}
	ny, err := time.LoadLocation(viewerZone)
	if err != nil {
		t.Fatal(err)
	}

	b.signUp(app, "polish@example.com")
	epID := b.createEndpoint(rc.URL+"/hooks/clipcabinet/transcription-rotation-notifications/accounting-department?tenant=acme-international-holdings",
		"Receives every transcription rotation notification for the accounting department's long-term archive")
	b.grantClipboard(app)
	b.do("copy the endpoint id",
		chromedp.Click(css(`[data-testid="copy-endpoint-id"]`)),
		chromedp.WaitVisible(css(`[data-testid="copy-endpoint-id"].copied`)),
	)
	if got := run(b, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)); got != epID {
		t.Fatalf("clipboard %q, want the endpoint id %q", got, epID)
	}
	// The rarely used recovery card comes after the secret and the test
	// event, folded while there is nothing to retry.
	if order := run(b, "card order", chromedp.Evaluate[bool](`(() => {
		const rec = document.querySelector('[data-testid="recovery-card"]');
		const after = (a) => !!(document.querySelector(a).compareDocumentPosition(rec) & Node.DOCUMENT_POSITION_FOLLOWING);
		return after('[data-testid="secret-box"]') && after('[data-testid="test-event"]');
	})()`)); !order {
		t.Fatal("the recovery card is not below the secret and test event cards")
	}
	if folded := run(b, "recovery folded", chromedp.Evaluate[bool](`!document.querySelector('[data-testid="recovery-folded"]').open`)); !folded {
		t.Fatal("the recovery card is open with nothing to retry")
	}
	b.noBreakAll("the new endpoint's page")
	b.check("p1-endpoint-page-long-url")

	// A delivery that fails for good (the schedule is 200 ms, 400 ms).
	b.do("send a test event",
		chromedp.Click(css(`[data-testid="send-test-event"]`)),
		chromedp.WaitVisible(css(`[data-testid="drawer"]`)),
		chromedp.WaitVisible(css(`[data-testid="delivery-row"][data-status="failed"]`)),
		htmxIdle(),
	)
	b.noBreakAll("the drawer")
	b.do("open the delivery",
		clickLive(`[data-testid="delivery-link"]`),
		chromedp.WaitVisible(css(`[data-testid="delivery-detail"]`)),
		htmxIdle(),
	)
	// Swapped in by htmx, and still in local time.
	b.localTime(`[data-testid="delivery-detail"] dl.props time[data-local]`, ny)
	b.noBreakAll("the delivery")
	b.check("p2-delivery-local-time")

	// A retry in the drawer refreshes the page behind it (HX-Trigger),
	// without a reload; so does closing the drawer.
	b.markStale()
	b.do("retry in the drawer",
		clickLive(`[data-testid="retry"]`),
		chromedp.WaitVisible(css(`[data-testid="retry-notice"]`)),
	)
	b.waitRefreshed("after the retry")
	b.markStale()
	b.closeDrawer()
	b.waitRefreshed("after closing the drawer")
	if run(b, "no reload", chromedp.Evaluate[bool](`window.__polishSamePage === true`)) != true {
		t.Fatal("the page was reloaded instead of refreshed in part")
	}

	// The recovery range is typed: one text field each, said inline when wrong.
	app.WaitDelivery(t, firstDelivery(t, app, epID), 15*time.Second, func(d testapp.Delivery) bool {
		return d.Status == "failed" && len(d.Attempts) == 4
	})
	b.do("reload the endpoint page", chromedp.Navigate(app.URL+"/endpoints/"+epID), chromedp.WaitVisible(css(`[data-testid="recovery-form"]`)))
	b.do("type a start",
		eval(`document.querySelector('[data-testid="recovery-from"]').value = ''`),
		chromedp.SendKeys(css(`[data-testid="recovery-from"]`), "2025-01-31 14:05\t"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Poll[bool](`(document.querySelector('[data-testid="recovery-count"]') || {}).textContent.includes('since 2025-01-31 14:05 UTC')`,
				chromedp.WithPollingInterval(50*time.Millisecond))(ctx, t)
			return err
		}),
	)
	if got := attr1(b, `[data-testid="recovery-count"]`, "data-count"); got != "1" {
		t.Fatalf("count %q, want 1", got)
	}
	b.do("type a bad start",
		eval(`document.querySelector('[data-testid="recovery-from"]').value = ''`),
		chromedp.SendKeys(css(`[data-testid="recovery-from"]`), "last tuesday\t"),
		chromedp.WaitVisible(css(`[data-testid="recovery-range-error"]`)),
	)
	if got := b.text(`[data-testid="recovery-range-error"]`); !strings.Contains(got, "like 2026-11-30 17:42") {
		t.Fatalf("range error %q", got)
	}
	b.check("p3-recovery-typed-range")

	// Deleted: its page and drawer stay, read-only, for its owner.
	b.askConfirm("delete", "delete-endpoint")
	b.do("confirm delete",
		chromedp.Click(css(`[data-testid="confirm-ok"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoints-empty"]`)),
		chromedp.Navigate(app.URL+"/endpoints/"+epID),
		chromedp.WaitVisible(css(`[data-testid="deleted-banner"]`)),
	)
	b.localTime(`[data-testid="deleted-banner"] time[data-local]`, ny)
	for _, gone := range []string{"edit-endpoint", "delete-endpoint", "secret-box", "test-event", "recovery-card"} {
		if run(b, "look for "+gone, chromedp.Evaluate[bool](`document.querySelector('[data-testid="`+gone+`"]') !== null`)) {
			t.Errorf("the deleted endpoint's page has %s", gone)
		}
	}
	b.check("p4-deleted-endpoint")
	b.do("open its deliveries",
		chromedp.Click(css(`[data-testid="open-deliveries"]`)),
		chromedp.WaitVisible(css(`[data-testid="drawer"] [data-testid="deleted-banner"]`)),
		clickLive(`[data-testid="delivery-link"]`),
		chromedp.WaitVisible(css(`[data-testid="delivery-detail"]`)),
		htmxIdle(),
	)
	if !run(b, "retry disabled", chromedp.Evaluate[bool](`document.querySelector('[data-testid="retry"]').disabled`)) {
		t.Fatal("retry is enabled on a deleted endpoint's delivery")
	}
	b.check("p5-deleted-endpoint-delivery")
}

// grantClipboard lets the page read and write the clipboard, so a test can
// check what a copy button copied.
func (b *tab) grantClipboard(app *testapp.App) {
	b.t.Helper()
	u, err := url.Parse(app.URL)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(b.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted,
			Origin: u.Scheme + "://" + u.Host, BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID,
		}); err != nil {
			b.t.Fatalf("grant %s: %v", name, err)
		}
	}
}

// noBreakAll fails when any element on the screen breaks words anywhere
// (word-break: break-all): words must wrap between words, and only long
// URLs and ids inside themselves (overflow-wrap: anywhere).
func (b *tab) noBreakAll(where string) {
	b.t.Helper()
	bad := run(b, "word-break on "+where, chromedp.Evaluate[[]string](`[...document.querySelectorAll('body *')]
		.filter(e => getComputedStyle(e).wordBreak === 'break-all')
		.map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))`))
	if len(bad) > 0 {
		b.t.Errorf("%s: word-break: break-all on %v", where, bad)
	}
	wraps := run(b, "overflow-wrap on "+where, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.endpoint-url, .row-link, .drawer-head .sub, dl.props dd, .headers dd')]
		.filter(e => getComputedStyle(e).overflowWrap !== 'anywhere')
		.map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))`))
	if len(wraps) > 0 {
		b.t.Errorf("%s: long URLs and ids cannot wrap in %v", where, wraps)
	}
}

// localTime checks an exact time: the viewer's local time in the one
// format ("30 Nov 2026, 12:42:10 EST"), UTC in the title.
func (b *tab) localTime(sel string, loc *time.Location) {
	b.t.Helper()
	iso := run(b, "datetime of "+sel, chromedp.Evaluate[string](`document.querySelector('`+sel+`').getAttribute('datetime')`))
	at, err := time.Parse(time.RFC3339Nano, iso)
	if err != nil {
		b.t.Fatalf("%s: datetime %q: %v", sel, iso, err)
	}
	want := at.In(loc).Format("2 Jan 2006, 15:04:05 MST")
	if got := b.text(sel); got != want {
		b.t.Errorf("%s reads %q, want the local time %q", sel, got, want)
	}
	title := run(b, "title of "+sel, chromedp.Evaluate[string](`document.querySelector('`+sel+`').title`))
	if title != at.UTC().Format("2006-01-02 15:04:05 UTC") {
		b.t.Errorf("%s title %q, want UTC", sel, title)
	}
}

// markStale marks the endpoint's summary card (and the window, to tell a
// reload apart), so waitRefreshed sees it replaced.
func (b *tab) markStale() {
	b.t.Helper()
	b.do("mark the page", htmxIdle(), eval(`document.getElementById('endpoint-summary').dataset.stale = 'yes'; window.__polishSamePage = true`))
}

func (b *tab) waitRefreshed(what string) {
	b.t.Helper()
	b.do("summary refreshed "+what, chromedp.WaitVisible(css(`#endpoint-summary:not([data-stale])`)))
}

// firstDelivery is the id of the endpoint's only delivery.
func firstDelivery(t *testing.T, app *testapp.App, endpointID string) string {
	t.Helper()
	var id string
	if err := app.Store.Pool.QueryRow(context.Background(), `SELECT id FROM deliveries WHERE endpoint_id = $1 ORDER BY created_at LIMIT 1`, endpointID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// attr1 is an attribute of the first element matching sel.
func attr1(b *tab, sel, name string) string {
	b.t.Helper()
	return run(b, name+" of "+sel, chromedp.Evaluate[string](`document.querySelector('`+sel+`').getAttribute('`+name+`') || ''`))
}
