package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

func indentJSON(t *testing.T, b []byte) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("indent %q: %v", b, err)
	}
	return out.String()
}

// TestDeliveryExchangeAndTimeline: a delivery that failed with a 500,
// then three 503s, then succeeded shows the request and the last response
// as tabs (headers and pretty-printed JSON, as sent and as received) and
// the attempts as a timeline with the 503s collapsed into one run;
// ?attempt=N shows another attempt's response, in its tab; a live poll
// brings the response and timeline along only when the attempts changed.
func TestDeliveryExchangeAndTimeline(t *testing.T) {
	t.Parallel()
	const okBody = `{"received":true,"id":"r_1","n":1.50,"tags":["<b>",null]}`
	var n atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch n.Add(1) {
		case 1:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "boom")
		case 2, 3, 4:
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":"busy"}`)
		default:
			time.Sleep(20 * time.Millisecond) // a first byte late enough to draw
			w.Header().Set("X-Receiver", "ok <yes>")
			_, _ = io.WriteString(w, okBody)
		}
	}))
	t.Cleanup(recv.Close)
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "10ms,10ms,10ms,10ms"}})
	c := newClient(t, app)
	uid := c.signUp("exchange@example.com")
	ep := c.createEndpoint(recv.URL+"/hook", "")
	id := publish(t, app, uid, webhook.EventCommentAdded, "")[0]
	app.WaitDelivery(t, id, 15*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })
	dd, err := app.Store.DeliveryDetail(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	path := "/endpoints/" + ep + "/deliveries/" + id
	p := c.get(path).status(http.StatusOK)

	// The tabs: Request chosen, Response beside it.
	if !hasAttr(p.one(`[data-testid="tab-request"]`), "checked") || hasAttr(p.one(`[data-testid="tab-response"]`), "checked") {
		t.Fatal("the Request tab is not the one chosen")
	}
	req := `[data-testid="request-panel"] `
	if got := p.text(req + `[data-testid="header-X-ClipCabinet-Event"]`); got != webhook.EventCommentAdded {
		t.Errorf("request event header %q", got)
	}
	if got := rawText(p.one(req + `[data-testid="request-body"]`)); got != indentJSON(t, dd.Body) {
		t.Errorf("request body shown\n%s\nwant\n%s", got, indentJSON(t, dd.Body))
	}
	if !p.has(req+`[data-testid="request-body"] .j-key`) || !p.has(req+`[data-testid="request-body-copy"]`) || !p.has(req+`[data-testid="request-headers-copy"]`) {
		t.Error("request body not highlighted, or no copy buttons")
	}

	// The response of the last attempt, as received.
	res := `[data-testid="response-panel"] `
	status := p.one(res + `[data-testid="response-status"]`)
	if attr(status, "data-number") != "5" || !strings.Contains(textOf(status), "HTTP 200 OK") {
		t.Errorf("response status %q (attempt %s)", textOf(status), attr(status, "data-number"))
	}
	if got := p.text(res + `[data-testid="header-X-Receiver"]`); got != "ok <yes>" {
		t.Errorf("response header %q", got)
	}
	if got := rawText(p.one(res + `[data-testid="response-body"]`)); got != indentJSON(t, []byte(okBody)) {
		t.Errorf("response body\n%s\nwant\n%s", got, indentJSON(t, []byte(okBody)))
	}
	if got := p.text(res + `[data-testid="response-body"] .j-num`); got != "1.50" {
		t.Errorf("number shown as %q", got)
	}
	if p.has(res + `[data-testid="response-last"]`) {
		t.Error("the last attempt's response links to itself")
	}

	// The timeline: #1 alone, #2–#4 one run, #5 alone.
	if got := p.text(`[data-testid="attempt-run-label"]`); got != "#2–#4 HTTP 503 ×3" {
		t.Errorf("run %q", got)
	}
	run := p.one(`[data-testid="attempt-run"]`)
	if hasAttr(run, "open") || attr(run, "data-count") != "3" {
		t.Error("the run is open, or holds another count")
	}
	if got := len(p.all(`[data-testid="timeline"] > ol > li > [data-testid="attempt"]`)); got != 2 {
		t.Errorf("%d attempts outside the run, want 2 (#1 and #5)", got)
	}
	if got := len(p.all(`[data-testid="attempt-run"] [data-testid="attempt"]`)); got != 3 {
		t.Errorf("%d attempts in the run, want 3", got)
	}
	for _, a := range p.all(`[data-testid="attempt"]`) {
		if cascadiaOne(a, `[data-testid="attempt-time"]`) == nil {
			t.Errorf("attempt %s has no time", attr(a, "data-number"))
		}
		if attr(a, "data-number") != "1" && cascadiaOne(a, `[data-testid="attempt-gap"]`) == nil {
			t.Errorf("attempt %s has no gap", attr(a, "data-number"))
		}
	}
	// Fresh attempts record their phases: a bar, and the same in words.
	last := `[data-testid="attempt"][data-number="5"] `
	if !p.has(last+`[data-testid="phase-bar"] rect.ph-wait`) || !strings.Contains(p.text(last+`[data-testid="attempt-phases"]`), "first byte") {
		t.Error("no phase timings on the last attempt")
	}

	// Another attempt's response, in its tab.
	p3 := c.get(path + "?attempt=3").status(http.StatusOK)
	if !hasAttr(p3.one(`[data-testid="tab-response"]`), "checked") {
		t.Error("?attempt=3 does not open the Response tab")
	}
	if got := attr(p3.one(`[data-testid="response-status"]`), "data-number"); got != "3" {
		t.Errorf("?attempt=3 shows attempt %s", got)
	}
	if got := rawText(p3.one(`[data-testid="response-body"]`)); got != "{\n  \"error\": \"busy\"\n}" {
		t.Errorf("attempt 3's body %q", got)
	}
	if got := p3.text(res + `[data-testid="header-Retry-After"]`); got != "30" {
		t.Errorf("attempt 3's Retry-After %q", got)
	}
	if got := attr(p3.one(`[data-testid="response-last"]`), "href"); got != path {
		t.Errorf("back to the last response: %q", got)
	}
	if got := rawText(c.get(path + "?attempt=1").one(`[data-testid="response-body"]`)); got != "boom" {
		t.Errorf("a body that is not JSON: %q", got)
	}

	// A poll that has seen every attempt changes only the live part.
	same := c.get(path+"?part=live&seen=5", htmx("delivery-live")).status(http.StatusOK)
	if same.has(`[hx-swap-oob]`) {
		t.Error("a poll with nothing new replaces the response and timeline")
	}
	behind := c.get(path+"?part=live&seen=4", htmx("delivery-live")).status(http.StatusOK)
	if got := attr(behind.one(`[data-testid="response-panel"]`), "hx-swap-oob"); got != "true" {
		t.Errorf("response panel hx-swap-oob %q", got)
	}
	if got := attr(behind.one(`[data-testid="timeline"]`), "hx-swap-oob"); got != "true" {
		t.Errorf("timeline hx-swap-oob %q", got)
	}
}

// TestDeliveryDetailOddData: attempts made before timings and headers
// were kept, a binary answer, an empty one, headers that are not JSON, an
// unknown ?attempt, and a delivery with no attempt yet: each is shown in
// words, never a 500.
func TestDeliveryDetailOddData(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	uid := c.signUp("odd@example.com")
	ep := c.createEndpoint("http://127.0.0.1:9/odd", "")
	ids := publish(t, app, uid, webhook.EventCommentAdded, "")
	id := ids[0]
	path := "/endpoints/" + ep + "/deliveries/" + id

	none := c.get(path).status(http.StatusOK)
	none.one(`[data-testid="no-attempts"]`)
	if got := none.text(`[data-testid="response-none"]`); !strings.Contains(got, "No attempt yet") {
		t.Errorf("no attempt: response says %q", got)
	}

	ctx := context.Background()
	start := time.Now().Add(-time.Hour)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		// Before 00010: no timings, no headers, no address; a binary answer.
		{`INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome, error, response_body)
		  VALUES ($1, 1, 'automatic', $2, 40, 502, 'http_error', 'HTTP 502 Bad Gateway', $3)`, []any{id, start, []byte{0xff, 0x00, 0x01, 'x'}}},
		{`INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome, error, response_body, response_headers)
		  VALUES ($1, 2, 'automatic', $2, 40, 502, 'http_error', 'HTTP 502 Bad Gateway', '', $3)`, []any{id, start.Add(time.Minute), []byte(`{"a":`)}},
		{`INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, outcome, error)
		  VALUES ($1, 3, 'manual', $2, 3, 'connection_error', 'connection refused')`, []any{id, start.Add(2 * time.Minute)}},
		{`INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, status_code, outcome, response_body, response_headers, connect_ms, first_byte_ms)
		  VALUES ($1, 4, 'manual', $2, 12, 204, 'success', '', '{}', 1, 9)`, []any{id, start.Add(3 * time.Minute)}},
	} {
		if _, err := app.Pool.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}

	p := c.get(path).status(http.StatusOK)
	if got := p.text(`[data-testid="response-empty"]`); got != "Empty response body." {
		t.Errorf("empty answer: %q", got)
	}
	if got := p.text(`[data-testid="response-headers-none"]`); got != "Headers: No headers." {
		t.Errorf("no headers: %q", got)
	}
	if got := p.text(`[data-testid="attempt-run-label"]`); got != "#1–#2 HTTP 502 ×2" {
		t.Errorf("run %q", got)
	}
	if p.has(`[data-testid="attempt"][data-number="1"] [data-testid="phase-bar"]`) || !p.has(`[data-testid="attempt"][data-number="4"] [data-testid="phase-bar"]`) {
		t.Error("phase bar on an attempt without timings, or none on one with")
	}
	for _, tt := range []struct{ query, testid, want string }{
		{"?attempt=1", "response-body-note", "Binary content (4 bytes), not UTF-8 text: not shown."},
		{"?attempt=1", "response-headers-none", "Headers: Not recorded: this attempt was made before response headers were kept."},
		{"?attempt=2", "response-headers-none", "Headers: No headers."},
		{"?attempt=3", "response-error", "connection refused"},
	} {
		pa := c.get(path + tt.query).status(http.StatusOK)
		if got := pa.text(`[data-testid="` + tt.testid + `"]`); got != tt.want {
			t.Errorf("%s: %s %q, want %q", tt.query, tt.testid, got, tt.want)
		}
	}
	for _, q := range []string{"?attempt=99", "?attempt=-1", "?attempt=x", "?attempt=99999999999", "?part=live&seen=x"} {
		c.get(path + q).status(http.StatusOK)
	}
	if got := attr(c.get(path+"?attempt=99").one(`[data-testid="response-status"]`), "data-number"); got != "4" {
		t.Errorf("an unknown attempt shows %s, want the last", got)
	}
}
