package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/testnet"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// journeyHealth: after real successes and failures (a receiver answering
// 200, then 503; another endpoint on a closed port), the endpoint page
// shows its health over time as charts with the same figures in a table,
// and the endpoints list a sparkline per endpoint. Earlier hours and days
// are written to the rollup directly, as the dispatcher would have, so the
// charts have a history to draw.
func journeyHealth(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "1h"}})
	ctx := context.Background()
	rc := newReceiver(t, http.StatusOK)
	closed := testnet.ClosedAddr(t)

	const email = "journey-health@example.com"
	b.signUp(app, email)
	u, err := app.Store.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	ep := b.createEndpoint(rc.URL+"/hooks/clipcabinet", "Production receiver")
	b.do("back to the list", chromedp.Navigate(app.URL+"/endpoints"), chromedp.WaitVisible(css(`[data-testid="new-endpoint"]`)))
	down := b.createEndpoint("http://"+closed+"/hook", "Staging (switched off)")

	send := func(n int) {
		t.Helper()
		for range n {
			var pub struct {
				Deliveries []struct{ ID string } `json:"deliveries"`
			}
			app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/events", map[string]any{
				"event": webhook.EventCommentAdded, "userId": u.ID, "data": json.RawMessage(webhook.SampleData(webhook.EventCommentAdded, u.ID)),
			}, &pub)
			for _, d := range pub.Deliveries {
				app.WaitDelivery(t, d.ID, 15*time.Second, func(d testapp.Delivery) bool { return d.AttemptCount > 0 })
			}
		}
	}
	send(6)
	rc.status.Store(http.StatusServiceUnavailable)
	send(2)

	// History: the hours and days before, as the dispatcher's completion
	// statement would have counted them.
	now := app.Store.Now()
	if _, err := app.Pool.Exec(ctx, `
		INSERT INTO endpoint_health (endpoint_id, hour, kind, bucket, n)
		SELECT $1, date_trunc('hour', $2::timestamptz) - make_interval(hours => h), kind,
		       width_bucket(ms + (h * 7) % 40, endpoint_health_bounds()), n
		FROM generate_series(1, 24 * 29) h,
		LATERAL (VALUES ('success', 45, 40 + h % 9), ('http_5xx', 120, CASE WHEN h BETWEEN 5 AND 8 THEN 12 END),
		                ('timeout', 15000, CASE WHEN h IN (6, 7, 30) THEN 3 END),
		                ('refused', 1, CASE WHEN h BETWEEN 50 AND 53 THEN 20 END)) v(kind, ms, n)
		WHERE n IS NOT NULL AND h NOT IN (2, 3, 11, 100, 101, 102)
		ON CONFLICT (endpoint_id, hour, kind, bucket) DO UPDATE SET n = endpoint_health.n + excluded.n`,
		ep, now); err != nil {
		t.Fatal(err)
	}

	b.do("open the endpoint",
		chromedp.Navigate(app.URL+"/endpoints/"+ep),
		chromedp.WaitVisible(css(`[data-testid="health"] svg[data-chart="rate-hours"]`)),
	)
	thisHour := `[data-testid="health-hours"] tr[data-testid="health-row"][data-slot="` + now.Truncate(time.Hour).Format(time.RFC3339) + `"] `
	b.do("show the 24 hours as a table",
		chromedp.Click(css(`[data-testid="health-hours"] [data-testid="health-table-details"] summary`)),
		chromedp.WaitVisible(css(thisHour+`td[data-col="attempts"]`)),
	)
	// The attempts just made are in this hour, unless it turned meanwhile.
	if got, rate := b.text(thisHour+`td[data-col="attempts"]`), b.text(thisHour+`td[data-col="rate"]`); got != "8" || rate != "75.0 %" {
		if now.Truncate(time.Hour).Equal(app.Store.Now().Truncate(time.Hour)) {
			t.Errorf("this hour: %s attempts, %s succeeded; want 8 and 75.0 %%", got, rate)
		}
	}
	if got := b.text(`[data-testid="health-hours"] [data-testid="health-row"][data-slot="` + now.Truncate(time.Hour).Add(-2*time.Hour).Format(time.RFC3339) + `"] td[data-col="rate"]`); got != "no attempts" {
		t.Errorf("an hour without attempts reads %q", got)
	}
	b.check("60-endpoint-health")

	b.do("the endpoints list",
		chromedp.Navigate(app.URL+"/endpoints"),
		chromedp.WaitVisible(css(`tr[data-endpoint-id="`+down+`"] svg[data-testid="sparkline"]`)),
	)
	label := run(b, "sparkline label", chromedp.Attributes(css(`tr[data-endpoint-id="`+down+`"] svg[data-testid="sparkline"]`)))["aria-label"]
	if !strings.HasPrefix(label, "Last 24 hours, by hour (UTC): 0 % of ") {
		t.Errorf("the closed port's sparkline says %q", label)
	}
	b.check("61-endpoints-sparklines")
}
