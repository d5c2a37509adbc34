package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// dashFind is a signed-in owner with one endpoint and 30 deliveries to it,
// one event each (event k's recording is recordingOf(k)), and another
// user's endpoint with deliveries of its own.
type dashFind struct {
	app   *testapp.App
	c     *client
	ep    string
	rows  []string // the drawer's delivery ids, newest first
	byRec map[string]string
}

const dashFindEvents = 30

func newDashFind(t *testing.T) dashFind {
	t.Helper()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	uid := c.signUp("finder@example.com")
	ep := c.createEndpoint("https://hooks.example.com/find", "")
	other := app.NewUser(t, "other@example.com")
	app.NewEndpoint(t, other, "https://other.example.com/hook")
	sample := string(webhook.SampleData(webhook.EventCommentAdded, ""))
	for k := range dashFindEvents {
		data := strings.ReplaceAll(sample, "cmokuzps0000355mi4lufpkqa", recordingOf(k))
		for _, u := range []string{uid, other} {
			apiMust(t, app, http.StatusAccepted, "POST", "/api/v1/events",
				map[string]any{"event": webhook.EventCommentAdded, "userId": u, "data": json.RawMessage(data)}, nil)
		}
	}
	f := dashFind{app: app, c: c, ep: ep, byRec: map[string]string{}}
	f.rows = f.drawerIDs(t, "/endpoints/"+ep+"/deliveries")
	if len(f.rows) != dashFindEvents {
		t.Fatalf("the drawer lists %d deliveries, want %d", len(f.rows), dashFindEvents)
	}
	return f
}

// drawerIDs is the delivery ids the drawer lists at path, following
// "load more" to the end.
func (f dashFind) drawerIDs(t *testing.T, path string) []string {
	t.Helper()
	var ids []string
	p := f.c.get(path).status(http.StatusOK)
	for {
		for _, n := range p.all(`[data-testid="delivery-row"]`) {
			ids = append(ids, strings.TrimPrefix(attr(n, "id"), "row-"))
		}
		more := p.all(`[data-testid="load-more"]`)
		if len(more) == 0 {
			return ids
		}
		p = f.c.get(attr(more[0], "hx-get"), htmx("load-more")).status(http.StatusOK)
	}
}

// csvIDs downloads a CSV export and returns its ids, checking it is an
// attachment with the contract's header row.
func csvIDs(t *testing.T, c *client, path string) []string {
	t.Helper()
	p := c.get(path).status(http.StatusOK)
	if cd := p.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	records, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) == 0 || records[0][0] != "id" {
		t.Fatalf("no header row: %q", records)
	}
	var ids []string
	for _, r := range records[1:] {
		ids = append(ids, r[0])
	}
	return ids
}

// The drawer's CSV download has one row per delivery of the filtered set,
// the owner's own only; NDJSON likewise; filters apply to both.
func TestDashDeliveryExportOneRowPerDelivery(t *testing.T) {
	t.Parallel()
	f := newDashFind(t)
	page := f.c.get("/endpoints/" + f.ep + "/deliveries").status(http.StatusOK)
	csvURL := attr(page.one(`[data-testid="drawer-export-csv"]`), "href")
	if got := csvIDs(t, f.c, csvURL); !slices.Equal(got, f.rows) {
		t.Fatalf("CSV ids %v,\nthe drawer's %v", got, f.rows)
	}
	nd := f.c.get(attr(page.one(`[data-testid="drawer-export-ndjson"]`), "href")).status(http.StatusOK)
	if lines := strings.Split(strings.TrimSpace(nd.Body), "\n"); len(lines) != dashFindEvents {
		t.Fatalf("%d NDJSON lines, want %d", len(lines), dashFindEvents)
	}

	// Filtered: the link carries the filters.
	page = f.c.get("/endpoints/" + f.ep + "/deliveries?recording=" + recordingOf(7)).status(http.StatusOK)
	got := csvIDs(t, f.c, attr(page.one(`[data-testid="drawer-export-csv"]`), "href"))
	if want := f.drawerIDs(t, "/endpoints/"+f.ep+"/deliveries?recording="+recordingOf(7)); len(want) != 1 || !slices.Equal(got, want) {
		t.Fatalf("filtered CSV %v, the drawer %v", got, want)
	}

	// Another user gets no export of this endpoint; bad filters are a 400.
	c2 := newClient(t, f.app)
	c2.signUp("stranger@example.com")
	c2.get("/endpoints/" + f.ep + "/deliveries/export?format=csv").status(http.StatusNotFound)
	f.c.get("/endpoints/" + f.ep + "/deliveries/export?format=csv&code=abc").status(http.StatusBadRequest)
	f.c.get("/endpoints/" + f.ep + "/deliveries/export?format=xml").status(http.StatusBadRequest)

	// The admin list's export: every user's, filtered.
	admin := newClient(t, f.app)
	newAdmin(t, f.app, "root@example.com")
	admin.logIn("root@example.com", testPassword)
	ap := admin.get("/admin/deliveries?status=any&recording=" + recordingOf(7)).status(http.StatusOK)
	if n := len(ap.all(`[data-testid="delivery-row"]`)); n != 2 {
		t.Fatalf("admin list: %d rows for one recording, want 2 (both users')", n)
	}
	if ids := csvIDs(t, admin, attr(ap.one(`[data-testid="admin-export-csv"]`), "href")); len(ids) != 2 {
		t.Fatalf("admin CSV: %d rows, want 2", len(ids))
	}
	ap = admin.get("/admin/deliveries?status=any").status(http.StatusOK)
	if ids := csvIDs(t, admin, attr(ap.one(`[data-testid="admin-export-csv"]`), "href")); len(ids) != 2*dashFindEvents {
		t.Fatalf("admin CSV: %d rows, want %d", len(ids), 2*dashFindEvents)
	}
	f.c.get("/admin/deliveries/export?format=csv").status(http.StatusNotFound)
}

// A filter URL loads the same deliveries again, with the filters in the
// form; "load more" keeps them; each filter narrows as it says.
func TestDashDeliveryFilterURLReloads(t *testing.T) {
	t.Parallel()
	f := newDashFind(t)
	ctx := context.Background()
	// The oldest ten failed by timeout, five of those with a 504 first.
	for i, id := range f.rows[dashFindEvents-10:] {
		code := any(nil)
		if i < 5 {
			code = 504
		}
		if _, err := f.app.Store.Pool.Exec(ctx, `UPDATE deliveries SET last_outcome = 'timeout', last_status_code = $2 WHERE id = $1`, id, code); err != nil {
			t.Fatal(err)
		}
	}
	base := "/endpoints/" + f.ep + "/deliveries"
	var createdAt string
	if err := f.app.Store.Pool.QueryRow(ctx, `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM deliveries WHERE id = $1`, f.rows[0]).Scan(&createdAt); err != nil {
		t.Fatal(err)
	}
	var eventID string
	if err := f.app.Store.Pool.QueryRow(ctx, `SELECT event_id FROM deliveries WHERE id = $1`, f.rows[3]).Scan(&eventID); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"outcome=timeout", f.rows[dashFindEvents-10:]},
		{"outcome=timeout&code=504", f.rows[dashFindEvents-10 : dashFindEvents-5]},
		{"recording=" + recordingOf(dashFindEvents-1), f.rows[:1]},
		{"eventId=" + eventID, f.rows[3:4]},
		{"q=" + f.rows[5][:len(f.rows[5])-1], f.rows[5:6]},
		{"q=" + strings.TrimPrefix(f.rows[5], webhook.PrefixDelivery), f.rows[5:6]},
		{"from=" + url.QueryEscape(createdAt) + "&to=" + url.QueryEscape(createdAt), f.rows},
		{"from=2000-01-01+00:00&to=2000-01-02", nil},
		{"status=pending&event=" + webhook.EventCommentAdded + "&from=2000-01-01", f.rows},
	} {
		first := f.drawerIDs(t, base+"?"+tc.query)
		if !slices.Equal(first, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.query, first, tc.want)
		}
		if again := f.drawerIDs(t, base+"?"+tc.query); !slices.Equal(again, first) {
			t.Fatalf("%s: reloaded %v, first %v", tc.query, again, first)
		}
	}
	// The form shows the filters it was loaded with.
	p := f.c.get(base + "?outcome=timeout&code=504&from=2000-01-01").status(http.StatusOK)
	if sel := p.one(`[data-testid="filter-outcome"] option[selected]`); attr(sel, "value") != "timeout" {
		t.Fatalf("outcome shown %q", attr(sel, "value"))
	}
	if v := attr(p.one(`[data-testid="filter-code"]`), "value"); v != "504" {
		t.Fatalf("code shown %q", v)
	}
	if !hasAttr(p.one(`[data-testid="filter-more"]`), "open") {
		t.Fatal("the filters' disclosure is closed with filters set")
	}
	// Load more keeps the filters: 25 a page, 30 match.
	p = f.c.get(base + "?from=2000-01-01").status(http.StatusOK)
	next := attr(p.one(`[data-testid="load-more"]`), "hx-get")
	if !strings.Contains(next, "from=2000-01-01") {
		t.Fatalf("load more %q lost the filter", next)
	}

	// Bad values: inline messages and an alert, never a 500.
	for q, field := range map[string]string{
		"code=abc": "filter-code", "code=99": "filter-code", "from=yesterday": "filter-from",
		"to=2026-13-01": "filter-to", "eventId=nope": "filter-event-id",
		"from=2026-05-02&to=2026-05-01":                          "filter-to",
		"recording=" + url.QueryEscape(strings.Repeat("r", 201)): "filter-recording",
	} {
		p := f.c.get(base + "?" + q).status(http.StatusOK)
		p.one(`[data-testid="` + field + `-error"]`)
		if attr(p.one(`[data-testid="`+field+`"]`), "aria-invalid") != "true" {
			t.Fatalf("%s: %s not marked invalid", q, field)
		}
		p.one(`[data-testid="drawer-error"]`)
	}
	p = f.c.get(base+"?outcome=bogus", htmx("drawer-results")).status(http.StatusOK)
	p.one(`[data-testid="drawer-error"]`)
	f.c.get(base + "?q=" + url.QueryEscape("del_%zz")).status(http.StatusOK).one(`[data-testid="drawer-error"]`)

	// The admin list takes the same filters, combined with its own.
	admin := newClient(t, f.app)
	newAdmin(t, f.app, "root@example.com")
	admin.logIn("root@example.com", testPassword)
	ap := admin.get("/admin/deliveries?status=any&outcome=timeout&code=504&user=finder").status(http.StatusOK)
	if n := len(ap.all(`[data-testid="delivery-row"]`)); n != 5 {
		t.Fatalf("admin: %d rows, want 5", n)
	}
	ap = admin.get("/admin/deliveries?status=any&q=" + f.rows[5][:12]).status(http.StatusOK)
	ap.one(`#row-` + f.rows[5])
	admin.get("/admin/deliveries?status=any&code=abc").status(http.StatusOK).one(`[data-testid="admin-code-error"]`)
}
