package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestEndpointHealthCharts: the endpoint page draws its health as SVG
// (success rate, latency, failures by outcome, each a labelled image with
// a hover title per slot) and gives the same figures as a table; an hour
// without attempts reads "no attempts", not 0 %; the endpoints list has a
// sparkline whose text alternative says the same. The rollup rows are
// written directly here, so the figures are exact (the store test covers
// how the dispatcher writes them, the browser journey the whole path).
func TestEndpointHealthCharts(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	c.signUp("health@charts.example.com")
	ep := c.createEndpoint("https://93.184.215.14/hook", "")

	// Two hours ago: 3 successes of 40 ms, a 503 of 100 ms, 2 timeouts.
	// Answered: 40 40 40 (bucket 40-50 ms) and 100 (100-120 ms), so p50 is
	// 40 + 10 × 2/3 ≈ 47 ms and p95 100 + 20 × 0.8 = 116 ms.
	busy := app.Store.Now().Truncate(time.Hour).Add(-2 * time.Hour)
	quiet := busy.Add(time.Hour)
	if _, err := app.Pool.Exec(context.Background(), `
		INSERT INTO endpoint_health (endpoint_id, hour, kind, bucket, n)
		SELECT $1, $2, endpoint_health_kind(o, c, ''), width_bucket(ms, endpoint_health_bounds()), n
		FROM (VALUES ('success', 200, 40, 3), ('http_error', 503, 100, 1), ('timeout', NULL, 2000, 2)) v(o, c, ms, n)`,
		ep, busy); err != nil {
		t.Fatal(err)
	}
	key := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }

	p := c.get("/endpoints/" + ep).status(http.StatusOK)
	for _, chart := range []string{"rate-hours", "latency-hours", "failures-hours", "rate-days", "latency-days", "failures-days"} {
		svg := p.one(`svg[data-chart="` + chart + `"]`)
		if attr(svg, "role") != "img" || attr(svg, "aria-labelledby") == "" {
			t.Errorf("chart %s: role %q, aria-labelledby %q: not a labelled image", chart, attr(svg, "role"), attr(svg, "aria-labelledby"))
		}
	}
	rate := `svg[data-chart="rate-hours"] `
	if got := p.text(rate + `g[data-slot="` + key(busy) + `"] title`); !strings.Contains(got, "6 attempts, 50.0 % succeeded; p50 47 ms, p95 116 ms; failed: 1 HTTP 5xx, 2 Timed out") {
		t.Errorf("the busy hour's hover text: %q", got)
	}
	if !p.has(rate+`g[data-slot="`+key(busy)+`"] rect.bar-fail`) || !p.has(rate+`g[data-slot="`+key(busy)+`"] rect.bar-ok`) {
		t.Error("the busy hour has no succeeded and failed bars")
	}
	if !p.has(rate+`g[data-slot="`+key(quiet)+`"] rect.bar-none`) || p.has(rate+`g[data-slot="`+key(quiet)+`"] rect.bar-fail`) {
		t.Error("an hour without attempts is not drawn as empty (dotted, no failed bar)")
	}
	if got := p.text(rate + `g[data-slot="` + key(quiet) + `"] title`); !strings.HasSuffix(got, ": no attempts") {
		t.Errorf("an hour without attempts, hover text: %q", got)
	}
	if !p.has(`svg[data-chart="latency-hours"] polyline.line-p50`) || !p.has(`svg[data-chart="latency-hours"] polyline.line-p95`) {
		t.Error("the latency chart has no p50 and p95 lines")
	}
	if got := p.text(`svg[data-chart="failures-hours"]`); !strings.Contains(got, "HTTP 5xx") || !strings.Contains(got, "Timed out") {
		t.Errorf("failures by outcome: %q", got)
	}

	// The table: one row per hour, a column per failure kind the window had.
	hours := `[data-testid="health-hours"] `
	row := hours + `tr[data-testid="health-row"][data-slot="` + key(busy) + `"] `
	for col, want := range map[string]string{
		"attempts": "6", "rate": "50.0 %", "p50": "47 ms", "p95": "116 ms", "HTTP 5xx": "1", "Timed out": "2",
	} {
		if got := p.text(row + `td[data-col="` + col + `"]`); got != want {
			t.Errorf("the busy hour's %s cell: %q, want %q", col, got, want)
		}
	}
	quietRow := hours + `tr[data-testid="health-row"][data-slot="` + key(quiet) + `"] `
	for col, want := range map[string]string{"attempts": "0", "rate": "no attempts", "p50": "—", "p95": "—", "Timed out": "0"} {
		if got := p.text(quietRow + `td[data-col="` + col + `"]`); got != want {
			t.Errorf("the quiet hour's %s cell: %q, want %q", col, got, want)
		}
	}
	if n := len(p.all(hours + `tr[data-testid="health-row"]`)); n != 24 {
		t.Errorf("%d hourly rows, want 24", n)
	}
	if n := len(p.all(`[data-testid="health-days"] tr[data-testid="health-row"]`)); n != 30 {
		t.Errorf("%d daily rows, want 30", n)
	}
	day := `[data-testid="health-days"] tr[data-testid="health-row"][data-slot="` + key(busy.Truncate(24*time.Hour)) + `"] `
	if got := p.text(day + `td[data-col="rate"]`); got != "50.0 %" {
		t.Errorf("the busy day's rate: %q", got)
	}
	if got := p.text(hours + `[data-testid="health-summary"]`); got != "6 attempts · 50.0 % succeeded · p50 47 ms, p95 116 ms" {
		t.Errorf("the 24 hours' summary: %q", got)
	}

	// The endpoints list: a sparkline a row, its text alternative in words.
	list := c.get("/endpoints").status(http.StatusOK)
	spark := list.one(`tr[data-endpoint-id="` + ep + `"] svg[data-testid="sparkline"]`)
	if got := attr(spark, "aria-label"); got != "Last 24 hours, by hour (UTC): 50.0 % of 6 attempts succeeded; 23 of 24 hours had no attempts." {
		t.Errorf("the sparkline's text alternative: %q", got)
	}
	if attr(spark, "role") != "img" {
		t.Error("the sparkline is not an image")
	}
	if n := len(list.all(`tr[data-endpoint-id="` + ep + `"] svg[data-testid="sparkline"] circle.dot-none`)); n != 23 {
		t.Errorf("%d hours drawn as without attempts, want 23", n)
	}

	// An endpoint without attempts says so instead of drawing nothing.
	other := c.createEndpoint("https://93.184.215.14/other", "")
	empty := c.get("/endpoints/" + other).status(http.StatusOK)
	if got := empty.text(`[data-testid="health-hours"] [data-testid="health-empty"]`); got != "No attempts in this time." {
		t.Errorf("no attempts: %q", got)
	}
	if empty.has(`svg[data-chart]`) {
		t.Error("charts drawn for an endpoint without attempts")
	}
	if got := attr(c.get("/endpoints").one(`tr[data-endpoint-id="`+other+`"] svg[data-testid="sparkline"]`), "aria-label"); got != "Last 24 hours: no attempts." {
		t.Errorf("the sparkline of an endpoint without attempts: %q", got)
	}
}
