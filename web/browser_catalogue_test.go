package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// journeyCatalogueTestEvent: open the event catalogue from the nav, go to
// an endpoint, pick an event type (its example loads), break a field (the
// error names it and the text stays), fix it and edit another, send, and
// see the delivery with the Test badge in the drawer and its detail; the
// receiver verifies it and gets the edit.
func journeyCatalogueTestEvent(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{})
	rc := newReceiver(t, http.StatusOK)

	b.signUp(app, "journey-catalogue@example.com")
	epID := b.createEndpoint(rc.URL+"/hooks/clipcabinet", "Catalogue receiver")
	rc.secret.Store(endpointSecret(t, app, epID))

	b.do("open the catalogue",
		chromedp.Click(css(`[data-testid="nav-events"]`)),
		chromedp.WaitVisible(css(`[data-testid="catalogue-event"][data-event="comment.added"] [data-testid="catalogue-example"]`)),
	)
	if got := b.text(`#event-comment-added [data-testid="catalogue-meaning"]`); !strings.HasPrefix(got, "Someone commented") {
		t.Fatalf("comment.added means %q", got)
	}
	b.check("70-event-catalogue")
	b.do("its comment.added section", eval(`document.getElementById('event-comment-added').scrollIntoView()`))
	b.check("71-event-catalogue-comment")

	b.do("go to the endpoint",
		chromedp.Click(css(`[data-testid="nav-endpoints"]`)),
		chromedp.WaitVisible(css(`[data-testid="endpoint-link"]`)),
		chromedp.Click(css(`[data-testid="endpoint-link"]`)),
		chromedp.WaitVisible(css(`[data-testid="test-event-data"]`)),
	)
	b.do("pick comment.added",
		chromedp.SetValue(css(`[data-testid="test-event-type"]`), webhook.EventCommentAdded),
		eval(`document.querySelector('[data-testid="test-event-type"]').dispatchEvent(new Event('change', {bubbles: true}))`),
		waitFor(`document.querySelector('[data-testid="test-event-data"]').value.includes('"commentId": "`+webhook.TestCommentIDPrefix+`')`),
		htmxIdle(),
		eval(`document.getElementById('test-event').scrollIntoView()`),
	)
	b.check("72-test-event-form")

	// A number where the schema has a string: refused, named, text kept.
	const broken = `d.timestampMs = "soon";`
	b.do("break a field and send",
		editTestData(broken),
		chromedp.Click(css(`[data-testid="send-test-event"]`)),
		chromedp.WaitVisible(css(`[data-testid="test-event-field-error"][data-path="data.timestampMs"]`)),
		htmxIdle(),
	)
	if got := b.text(`[data-testid="test-event-field-error"]`); got != "data.timestampMs must be a non-negative integer" {
		t.Fatalf("error %q", got)
	}
	if !run(b, "text kept", chromedp.Evaluate[bool](`document.querySelector('[data-testid="test-event-data"]').value.includes('"timestampMs": "soon"')`)) {
		t.Fatal("the refused text is not in the textarea")
	}
	b.do("show the error", eval(`document.getElementById('test-event').scrollIntoView()`))
	b.check("73-test-event-invalid")

	const edited = "Edited in the browser: <ok> ✓"
	b.do("fix it, edit the comment and send",
		editTestData(`d.timestampMs = 1500; d.body = "`+edited+`";`),
		chromedp.Click(css(`[data-testid="send-test-event"]`)),
		chromedp.WaitVisible(css(`[data-testid="drawer-notice"]`)),
		chromedp.WaitVisible(css(`[data-testid="delivery-row"][data-status="succeeded"] [data-testid="test-badge"]`)),
	)
	b.check("74-drawer-test-badge")
	b.do("open the delivery",
		htmxIdle(),
		clickLive(`[data-testid="delivery-link"]`),
		chromedp.WaitVisible(css(`[data-testid="delivery-detail"] .detail-event [data-testid="test-badge"]`)),
		chromedp.WaitVisible(css(`[data-testid="attempt"][data-outcome="success"]`)),
	)
	if body := b.text(`[data-testid="request-body"]`); !strings.Contains(body, `"body": "`+edited+`"`) || !strings.Contains(body, `"timestampMs": 1500`) {
		t.Fatalf("the delivery's body does not carry the edit:\n%s", body)
	}
	b.check("75-delivery-test-badge")
	if rc.verified.Load() != 1 || rc.got.Load() != 1 {
		t.Fatalf("receiver verified %d of %d requests, want the one test event", rc.verified.Load(), rc.got.Load())
	}
}

// editTestData changes the test-event form's data as a person would: the
// JSON in the textarea, parsed, changed by the statements (on d) and
// written back indented.
func editTestData(statements string) chromedp.Action[chromedp.Void] {
	return eval(`(() => {
		const ta = document.querySelector('[data-testid="test-event-data"]');
		const d = JSON.parse(ta.value);
		` + statements + `
		ta.value = JSON.stringify(d, null, 2);
	})()`)
}
