package e2e

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

type listPage struct {
	Data []struct {
		ID         string  `json:"id"`
		UserID     string  `json:"userId"`
		EndpointID string  `json:"endpointId"`
		Event      string  `json:"event"`
		Status     string  `json:"status"`
		CreatedAt  string  `json:"createdAt"`
		NextAt     *string `json:"nextAttemptAt"`
	} `json:"data"`
	NextCursor *string `json:"nextCursor"`
}

func (p listPage) ids() []string {
	out := make([]string, len(p.Data))
	for i, d := range p.Data {
		out[i] = d.ID
	}
	return out
}

// dbOrder returns the ids the query selects, in the list's order: newest
// first, ties broken by id.
func dbOrder(t *testing.T, app *testapp.App, where string, args ...any) []string {
	t.Helper()
	rows, err := app.Pool.Query(context.Background(), "SELECT id FROM deliveries "+where+" ORDER BY created_at DESC, id DESC", args...)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func publishFor(t *testing.T, app *testapp.App, user, event string) publishAnswer {
	t.Helper()
	body := map[string]any{"event": event, "userId": user, "data": webhook.SampleData(event, user)}
	if event == webhook.EventCommentAdded {
		body["data"] = webhook.SampleData(event, "")
	}
	var out publishAnswer
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/events", body, &out)
	return out
}

// TestDeliveryListFilters: GET /api/v1/deliveries filters by user,
// endpoint, status and event, alone and together, newest first, and
// validates its parameters.
func TestDeliveryListFilters(t *testing.T) {
	t.Parallel()
	ok := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(ok.Close)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
	t.Cleanup(failing.Close)
	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_RETRY_SCHEDULE": "1h"}})
	a, b := app.NewUser(t, "a@example.com"), app.NewUser(t, "b@example.com")
	aOK := app.NewEndpoint(t, a, ok.URL)
	aRetrying := app.NewEndpoint(t, a, failing.URL, "comment.added")
	aFailed := app.NewEndpoint(t, a, failing.URL, "recording.failed")
	bOK := app.NewEndpoint(t, b, ok.URL)
	for _, e := range []string{"recording.completed", "recording.completed", "comment.added", "comment.added", "recording.failed"} {
		publishFor(t, app, a, e)
	}
	publishFor(t, app, b, "comment.added")
	all := dbOrder(t, app, "")
	if len(all) != 9 {
		t.Fatalf("%d deliveries, want 9", len(all))
	}
	for _, id := range all {
		app.WaitDelivery(t, id, 10*time.Second, func(d testapp.Delivery) bool { return d.AttemptCount > 0 })
	}
	app.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+aFailed.ID, map[string]any{"enabled": false}, nil)

	tests := []struct {
		name  string
		query url.Values
		where string // the same selection in SQL
		args  []any
	}{
		{name: "all", query: url.Values{}, where: ""},
		{name: "user a", query: url.Values{"userId": {a}}, where: "WHERE user_id = $1", args: []any{a}},
		{name: "user b", query: url.Values{"userId": {b}}, where: "WHERE user_id = $1", args: []any{b}},
		{name: "endpoint", query: url.Values{"endpointId": {aRetrying.ID}}, where: "WHERE endpoint_id = $1", args: []any{aRetrying.ID}},
		{name: "succeeded", query: url.Values{"status": {"succeeded"}}, where: "WHERE endpoint_id IN ($1, $2)", args: []any{aOK.ID, bOK.ID}},
		{name: "retrying", query: url.Values{"status": {"retrying"}}, where: "WHERE endpoint_id = $1", args: []any{aRetrying.ID}},
		{name: "failed", query: url.Values{"status": {"failed"}}, where: "WHERE endpoint_id = $1", args: []any{aFailed.ID}},
		{name: "pending", query: url.Values{"status": {"pending"}}, where: "WHERE false"},
		{name: "event", query: url.Values{"event": {"comment.added"}}, where: "WHERE event_type = 'comment.added'"},
		{
			name:  "user, event and status",
			query: url.Values{"userId": {a}, "event": {"comment.added"}, "status": {"retrying"}},
			where: "WHERE endpoint_id = $1", args: []any{aRetrying.ID},
		},
		{
			name:  "endpoint and event",
			query: url.Values{"endpointId": {aOK.ID}, "event": {"recording.failed"}},
			where: "WHERE endpoint_id = $1 AND event_type = 'recording.failed'", args: []any{aOK.ID},
		},
		{name: "no match", query: url.Values{"userId": {"user_nobody"}}, where: "WHERE false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var page listPage
			app.MustAPI(t, http.StatusOK, "GET", "/api/v1/deliveries?"+tt.query.Encode(), nil, &page)
			want := dbOrder(t, app, tt.where, tt.args...)
			if got := page.ids(); !slices.Equal(got, want) {
				t.Errorf("ids %v, want %v", got, want)
			}
			if page.Data == nil || page.NextCursor != nil {
				t.Errorf("data %v nextCursor %v, want an array and null", page.Data, page.NextCursor)
			}
			for i, d := range page.Data {
				if i > 0 && d.CreatedAt > page.Data[i-1].CreatedAt {
					t.Errorf("not newest first at %d: %s after %s", i, d.CreatedAt, page.Data[i-1].CreatedAt)
				}
				for k, v := range map[string]string{"userId": d.UserID, "endpointId": d.EndpointID, "status": d.Status, "event": d.Event} {
					if f := tt.query.Get(k); f != "" && f != v {
						t.Errorf("delivery %s has %s %s, filter %s", d.ID, k, v, f)
					}
				}
			}
		})
	}

	bad := []struct {
		name  string
		query string
		field string
	}{
		{name: "limit 0", query: "limit=0", field: "limit"},
		{name: "limit 101", query: "limit=101", field: "limit"},
		{name: "limit -1", query: "limit=-1", field: "limit"},
		{name: "limit not a number", query: "limit=ten", field: "limit"},
		{name: "limit fraction", query: "limit=1.5", field: "limit"},
		{name: "unknown status", query: "status=done", field: "status"},
		{name: "unknown event", query: "event=recording.deleted", field: "event"},
		{name: "cursor not ours", query: "cursor=bm90LWEtY3Vyc29y", field: "cursor"},
		{name: "cursor not base64", query: "cursor=%25%25", field: "cursor"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, raw := app.API(t, "GET", "/api/v1/deliveries?"+tt.query, nil)
			var e apiError
			_ = json.Unmarshal(raw, &e)
			if code != http.StatusUnprocessableEntity || !slices.Equal(slices.Collect(maps.Keys(e.Error.Fields)), []string{tt.field}) {
				t.Errorf("%s: %d %s, want 422 on %s", tt.query, code, raw, tt.field)
			}
		})
	}
	for _, limit := range []int{1, 8, 9, 100} {
		var page listPage
		app.MustAPI(t, http.StatusOK, "GET", "/api/v1/deliveries?limit="+strconv.Itoa(limit), nil, &page)
		want := min(len(all), limit)
		if len(page.Data) != want || (page.NextCursor != nil) != (want < len(all)) {
			t.Errorf("limit %d: %d deliveries, nextCursor %v; want %d and a cursor only if more remain", limit, len(page.Data), page.NextCursor, want)
		}
	}
}

// TestDeliveryListPaging walks every page with a small limit while newer
// deliveries keep arriving: the pages, joined, are exactly the deliveries
// that existed at the start, newest first, without duplicates or gaps, even
// though deliveries of one event share their creation time.
func TestDeliveryListPaging(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user, other := app.NewUser(t, "owner@example.com"), app.NewUser(t, "other@example.com")
	for range 7 {
		app.NewEndpoint(t, user, "http://127.0.0.1:9/hook")
	}
	app.NewEndpoint(t, other, "http://127.0.0.1:9/hook")
	for i := range 15 {
		publishFor(t, app, user, webhook.EventTypes[i%3])
		publishFor(t, app, other, "comment.added")
	}

	tests := []struct {
		name  string
		query url.Values
		where string
		args  []any
		limit int
	}{
		{name: "everything by 10", query: url.Values{}, where: "", limit: 10},
		{name: "one user by 7", query: url.Values{"userId": {user}}, where: "WHERE user_id = $1", args: []any{user}, limit: 7},
		{name: "pending comments by 1", query: url.Values{"status": {"pending"}, "event": {"comment.added"}}, where: "WHERE event_type = 'comment.added'", limit: 1},
		{name: "everything by 100", query: url.Values{}, where: "", limit: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := dbOrder(t, app, tt.where, tt.args...)
			var got []string
			q := maps.Clone(tt.query)
			q.Set("limit", strconv.Itoa(tt.limit))
			for pages := 0; ; pages++ {
				if pages > len(want)+1 {
					t.Fatal("paging does not end")
				}
				var page listPage
				app.MustAPI(t, http.StatusOK, "GET", "/api/v1/deliveries?"+q.Encode(), nil, &page)
				if len(page.Data) > tt.limit {
					t.Fatalf("page of %d, limit %d", len(page.Data), tt.limit)
				}
				got = append(got, page.ids()...)
				// Newer deliveries arrive while paging; they belong to no later page.
				publishFor(t, app, user, "comment.added")
				if page.NextCursor == nil {
					break
				}
				if len(page.Data) != tt.limit {
					t.Errorf("a page of %d before the last, want %d", len(page.Data), tt.limit)
				}
				q.Set("cursor", *page.NextCursor)
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages joined: %d ids, want %d\n got %v\nwant %v", len(got), len(want), got, want)
			}
		})
	}
}
