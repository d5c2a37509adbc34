package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDeletedEndpointHistory: a deleted endpoint's page, drawer, delivery
// and export stay readable to its owner under a "deleted on" banner, with
// no action on it; every action answers 410 with the reason; another user
// still gets 404.
func TestDeletedEndpointHistory(t *testing.T) {
	t.Parallel()
	app, c, id := ownerWithEndpoint(t, "gone@example.com", "http://127.0.0.1:9/gone-hook", "Old receiver")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+id+"/test", map[string]string{"event": "comment.added"}, &out)
	c.post("/endpoints/"+id+"/delete", url.Values{"confirm": {"yes"}}).status(http.StatusSeeOther)
	delivery := "/endpoints/" + id + "/deliveries/" + out.DeliveryID

	// The page: what it was, read-only.
	p := c.get("/endpoints/" + id).status(http.StatusOK)
	banner := p.one(`[data-testid="deleted-banner"]`)
	if !strings.HasPrefix(textOf(banner), "This endpoint was deleted on ") || !strings.HasSuffix(attr(cascadiaOne(banner, "time[data-local]"), "title"), " UTC") {
		t.Fatalf("banner %q", textOf(banner))
	}
	if got := p.text(`[data-testid="endpoint-url"]`); got != "http://127.0.0.1:9/gone-hook" {
		t.Fatalf("url %q", got)
	}
	if got := p.text(`[data-testid="endpoint-id"]`); got != id {
		t.Fatalf("endpoint id %q", got)
	}
	p.one(`[data-testid="open-deliveries"]`)
	for _, action := range []string{"edit-endpoint", "disable-endpoint", "enable-endpoint", "delete-endpoint",
		"secret-box", "reveal-secret", "rotate-secret", "test-event", "send-test-event", "recovery-card", "snippets", "page-refresh"} {
		if p.has(`[data-testid="` + action + `"]`) {
			t.Errorf("the deleted endpoint's page has %s", action)
		}
	}
	if p.has(`form[method="post"]:not([action="/logout"])`) {
		t.Error("the deleted endpoint's page has a form that changes something")
	}

	// The drawer: its deliveries, with the banner and the export.
	for _, opts := range [][]reqOpt{nil, {htmx("drawer")}} {
		d := c.get("/endpoints/"+id+"/deliveries", opts...).status(http.StatusOK)
		d.one(`[data-testid="drawer"] [data-testid="deleted-banner"]`)
		if got := attr(d.one(`[data-testid="delivery-row"]`), "data-delivery-id"); got != out.DeliveryID {
			t.Fatalf("drawer row %q, want %q", got, out.DeliveryID)
		}
		d.one(`[data-testid="drawer-export-csv"]`)
	}
	// A delivery: readable, retry disabled with the reason, no curl.
	d := c.get(delivery).status(http.StatusOK)
	d.one(`[data-testid="drawer"] [data-testid="deleted-banner"]`)
	if got := d.text(`[data-testid="detail-id"]`); got != out.DeliveryID {
		t.Fatalf("detail id %q", got)
	}
	if !hasAttr(d.one(`[data-testid="retry"]`), "disabled") {
		t.Fatal("retry enabled on a deleted endpoint's delivery")
	}
	d.one(`[data-testid="curl-unavailable"]`)
	c.get(delivery + "?part=live").status(http.StatusOK).one(`[data-testid="delivery-live"]`)
	csv := c.get("/endpoints/" + id + "/deliveries/export?format=csv").status(http.StatusOK)
	if !strings.Contains(csv.Body, out.DeliveryID) {
		t.Fatalf("export lacks the delivery:\n%s", csv.Body)
	}

	// Every change is refused with the reason, as a page or a fragment.
	form := url.Values{"confirm": {"yes"}, "event": {"comment.added"}, "url": {"http://127.0.0.1:9/x"},
		"events": {"comment.added"}, "from": {"2025-01-31 14:05"}, "body": {"{}"}, "signature": {"sha256=00"}}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/endpoints/" + id + "/edit"},
		{"GET", "/endpoints/" + id + "/recover?from=2025-01-31+14:05"},
		{"POST", "/endpoints/" + id + "/edit"},
		{"POST", "/endpoints/" + id + "/enable"},
		{"POST", "/endpoints/" + id + "/disable"},
		{"POST", "/endpoints/" + id + "/delete"},
		{"POST", "/endpoints/" + id + "/secret/reveal"},
		{"POST", "/endpoints/" + id + "/secret/rotate"},
		{"POST", "/endpoints/" + id + "/secret/activate"},
		{"POST", "/endpoints/" + id + "/secret/cancel"},
		{"POST", "/endpoints/" + id + "/standard-webhooks"},
		{"POST", "/endpoints/" + id + "/test"},
		{"POST", "/endpoints/" + id + "/signature-check"},
		{"POST", "/endpoints/" + id + "/recoveries"},
		{"POST", delivery + "/retry"},
	} {
		p := c.do(tc.method, tc.path, form).status(http.StatusGone)
		if !strings.Contains(p.text(`[data-testid="error-page"]`), "This endpoint was deleted on ") {
			t.Errorf("%s %s: the 410 does not say why:\n%.500s", tc.method, tc.path, p.Body)
		}
	}
	frag := c.post(delivery+"/retry", nil, htmx("delivery-live")).status(http.StatusGone)
	if !strings.Contains(frag.text(`[data-testid="error-fragment"]`), "was deleted") {
		t.Fatalf("retry fragment %q", frag.Body)
	}
	c.get("/endpoints/"+id, htmx("secret-box")).status(http.StatusGone)
	c.get("/endpoints/"+id, htmx("endpoint-summary")).status(http.StatusGone)
	if got, err := app.Store.DeliveryGet(context.Background(), out.DeliveryID); err != nil || got.ManualRequestedAt != nil {
		t.Fatalf("a retry was recorded for a deleted endpoint (%v)", err)
	}

	// The audit log links the deleted endpoint to its history.
	var linked bool
	for _, row := range c.get("/audit").all(`[data-testid="audit-row"][data-action="endpoint.deleted"]`) {
		if a := cascadiaOne(row, `[data-testid="audit-target"] a`); a != nil && attr(a, "href") == "/endpoints/"+id {
			linked = true
		}
	}
	if !linked {
		t.Error("the audit log does not link the deleted endpoint")
	}

	// Another user: the same 404 as ever, nothing of it shown.
	other := newClient(t, app)
	other.signUp("other@example.com")
	for _, path := range []string{"/endpoints/" + id, "/endpoints/" + id + "/deliveries", delivery,
		"/endpoints/" + id + "/deliveries/export?format=csv"} {
		p := other.get(path).status(http.StatusNotFound)
		if strings.Contains(p.Body, "gone-hook") {
			t.Fatalf("%s: the 404 shows the endpoint", path)
		}
	}
	other.post(delivery+"/retry", nil).status(http.StatusNotFound)
}
