package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// journeyFind: the drawer's and the admin list's search filters in a real
// browser. A filter URL opens with the filters in the form and reloads to
// the same deliveries; bad values say what is wrong beside the field; the
// export links carry the filters.
func journeyFind(t *testing.T, b *tab) {
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	const email = "journey-find@example.com"
	b.signUp(app, email)
	ep := b.createEndpoint("https://hooks.example.com/find", "Search")
	var uid string
	if err := app.Store.Pool.QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&uid); err != nil {
		t.Fatal(err)
	}
	sample := string(webhook.SampleData(webhook.EventCommentAdded, ""))
	for k := range 12 {
		data := strings.ReplaceAll(sample, "cmokuzps0000355mi4lufpkqa", recordingOf(k))
		apiMust(t, app, http.StatusAccepted, "POST", "/api/v1/events",
			map[string]any{"event": webhook.EventCommentAdded, "userId": uid, "data": json.RawMessage(data)}, nil)
	}
	if _, err := app.Store.Pool.Exec(context.Background(), `UPDATE deliveries SET last_outcome = 'http_error', last_status_code = 503
		WHERE id IN (SELECT id FROM deliveries ORDER BY created_at LIMIT 4)`); err != nil {
		t.Fatal(err)
	}

	rows := func() []string {
		return run(b, "the rows", chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="delivery-row"]')].map(r => r.id)`))
	}
	filterURL := app.URL + "/endpoints/" + ep + "/deliveries?outcome=http_error&code=503&from=2000-01-01+00:00"
	b.do("open a filter URL", chromedp.Navigate(filterURL), chromedp.WaitVisible(css(`[data-testid="delivery-row"]`)))
	first := rows()
	if len(first) != 4 {
		t.Fatalf("the filter URL lists %d deliveries, want 4", len(first))
	}
	b.check("47-drawer-filters")
	b.do("reload it", chromedp.Reload(), chromedp.WaitVisible(css(`[data-testid="delivery-row"]`)))
	if again := rows(); !slices.Equal(again, first) {
		t.Fatalf("reloaded %v, first %v", again, first)
	}
	if v := run(b, "outcome", chromedp.Evaluate[string](`document.querySelector('[data-testid="filter-outcome"]').value`)); v != "http_error" {
		t.Fatalf("outcome shown after reload %q", v)
	}
	href := run(b, "export link", chromedp.Evaluate[string](`document.querySelector('[data-testid="drawer-export-csv"]').getAttribute('href')`))
	if !strings.Contains(href, "code=503") || !strings.Contains(href, "outcome=http_error") {
		t.Fatalf("export link %q lost the filters", href)
	}

	// Changing a field swaps the results and the URL.
	b.do("filter by code 500",
		chromedp.SetValue(css(`[data-testid="filter-code"]`), "500"),
		eval(`document.querySelector('[data-testid="filter-code"]').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.WaitVisible(css(`[data-testid="deliveries-empty"]`)),
	)
	if loc := b.location(); !strings.Contains(loc, "code=500") {
		t.Fatalf("location %s after filtering", loc)
	}

	b.do("open bad filters", chromedp.Navigate(app.URL+"/endpoints/"+ep+"/deliveries?code=abc&from=yesterday"),
		chromedp.WaitVisible(css(`[data-testid="filter-code-error"]`)), chromedp.WaitVisible(css(`[data-testid="drawer-error"]`)))
	b.check("48-drawer-filter-errors")

	newAdmin(t, app, "journey-find-admin@example.com")
	b.do("log out", eval(`document.querySelector('[data-testid="logout"]').click()`), chromedp.WaitVisible(css(`[data-testid="login-email"]`)))
	b.logIn(app, "journey-find-admin@example.com")
	b.do("admin list filtered", chromedp.Navigate(app.URL+"/admin/deliveries?status=any&outcome=http_error&code=503&user=journey-find"),
		chromedp.WaitVisible(css(`[data-testid="delivery-row"]`)), chromedp.WaitVisible(css(`[data-testid="admin-export-csv"]`)))
	if n := len(rows()); n != 4 {
		t.Fatalf("admin list: %d rows, want 4", n)
	}
	b.check("49-admin-filters")
	b.do("admin bad filters", chromedp.Navigate(app.URL+"/admin/deliveries?status=any&to=2026-02-30"),
		chromedp.WaitVisible(css(`[data-testid="admin-to-error"]`)))
	b.check("49b-admin-filter-errors")
}
