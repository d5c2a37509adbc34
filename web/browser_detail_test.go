package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// journeyExchangeTimeline: a delivery that failed four times (a 500, then
// three 503s) and then succeeded: its detail shows the request, switches
// to the response by keyboard, and opens the collapsed run of 503s; an
// attempt's own response opens in the Response tab.
func journeyExchangeTimeline(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "10ms,10ms,10ms,10ms"}})
	var n atomic.Int32
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Trace", strings.Repeat("0123456789abcdef", 8))
		// Slow enough to draw where the time went.
		time.Sleep(time.Duration(5*(n.Load()+1)) * time.Millisecond)
		switch n.Add(1) {
		case 1:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":"<script>alert(1)</script> database is down","retry":true}`)
		case 2, 3, 4:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":"busy","retryAfterSeconds":30,"detail":"`+strings.Repeat("a-very-long-token-", 12)+`"}`)
		default:
			_, _ = io.WriteString(w, `{"received":true,"id":"rcv_01J9","amount":12.50,"tags":["comment","new"],"echo":null}`)
		}
	}))
	t.Cleanup(rc.Close)

	b.signUp(app, "journey-exchange@example.com")
	b.createEndpoint(rc.URL+"/hook", "")
	b.do("send a test event that fails four times, then succeeds",
		chromedp.SetValue(css(`[data-testid="test-event-type"]`), "comment.added"),
		chromedp.Click(css(`[data-testid="send-test-event"]`)),
		chromedp.WaitVisible(css(`[data-testid="delivery-row"][data-status="succeeded"]`)),
	)
	b.do("open it",
		htmxIdle(),
		clickLive(`[data-testid="delivery-link"]`),
		chromedp.WaitVisible(css(`#drawer > [data-testid="drawer"] [data-testid="request-body"]`)),
	)
	if got := b.text(`[data-testid="attempt-run-label"]`); got != "#2–#4 HTTP 503 ×3" {
		t.Fatalf("collapsed run %q", got)
	}
	b.check("50-delivery-request")

	b.do("switch to the Response tab with the keyboard",
		eval(`document.querySelector('[data-testid="tab-request"]').focus()`),
		chromedp.KeyEvent(kb.ArrowRight),
		chromedp.WaitVisible(css(`[data-testid="response-body"]`)),
		chromedp.WaitNotVisible(css(`[data-testid="request-body"]`)),
	)
	if !run(b, "focus on the Response tab", chromedp.Evaluate[bool](`document.activeElement === document.querySelector('[data-testid="tab-response"]') && document.activeElement.checked`)) {
		t.Fatal("the arrow key did not move to the Response tab")
	}
	if got := b.text(`[data-testid="response-status"]`); !strings.Contains(got, "Attempt #5: HTTP 200 OK") {
		t.Fatalf("response status %q", got)
	}
	if got := b.text(`[data-testid="response-body"] .j-num`); got != "12.50" {
		t.Fatalf("number shown as %q", got)
	}
	b.check("51-delivery-response")

	b.do("open the collapsed run with the keyboard",
		eval(`document.querySelector('[data-testid="attempt-run-summary"]').focus()`),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(css(`[data-testid="attempt-run"] [data-testid="attempt"][data-number="3"]`)),
		eval(`document.querySelector('[data-testid="timeline"]').scrollIntoView()`),
	)
	if got := b.text(`[data-testid="attempt"][data-number="3"] [data-testid="attempt-outcome"]`); got != "HTTP error" {
		t.Fatalf("attempt 3 outcome %q", got)
	}
	// The first attempt opened a fresh connection: its bar is drawn and its
	// phases, said in words beside it, include the connect.
	first := `[data-testid="attempt"][data-number="1"]`
	if !run(b, "attempt 1's phase bar", chromedp.Evaluate[bool](`document.querySelector('`+first+` [data-testid="phase-bar"] rect') !== null`)) {
		t.Fatal("no phase bar for the attempt that opened a fresh connection")
	}
	if got := b.text(first); !strings.Contains(got, "connect") {
		t.Fatalf("attempt 1 does not say its connect phase: %q", got)
	}
	b.check("52-delivery-timeline-run-open")

	b.do("show attempt 3's response",
		chromedp.Click(css(`[data-testid="attempt"][data-number="3"] [data-testid="attempt-response-link"]`)),
		chromedp.WaitVisible(css(`[data-testid="response-status"][data-number="3"]`)),
	)
	if !strings.HasSuffix(b.location(), "?attempt=3") {
		t.Fatalf("location %s", b.location())
	}
	if got := b.text(`[data-testid="response-body"] .j-key`); got != `"error"` {
		t.Fatalf("attempt 3's first key %q", got)
	}
	// Its long line scrolls inside the body's block, not the page.
	b.do("scroll to the body", eval(`document.querySelector('[data-testid="response-body"]').closest('.codeblock').scrollIntoView()`))
	if !run(b, "the body scrolls", chromedp.Evaluate[bool](`(p => p.scrollWidth > p.clientWidth)(document.querySelector('[data-testid="response-body"]').parentElement)`)) {
		t.Fatal("the 503's long line does not scroll inside its block")
	}
	b.check("53-delivery-attempt-3-response")
}
