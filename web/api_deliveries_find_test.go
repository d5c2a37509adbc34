package web_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// findFixture is one user with 25 endpoints and 50 events, each event to
// every endpoint: 1,250 deliveries, more than two of the export's pages.
type findFixture struct {
	app  *testapp.App
	user string
	all  []listedDelivery // newest first, as the list gives them
}

type listedDelivery struct {
	ID          string  `json:"id"`
	EventID     string  `json:"eventId"`
	EndpointID  string  `json:"endpointId"`
	Status      string  `json:"status"`
	CreatedAt   string  `json:"createdAt"`
	LastOutcome *string `json:"lastOutcome"`
}

const (
	findEndpoints = 25
	findEvents    = 50
)

// recordingOf is event k's data.recordingId.
func recordingOf(k int) string { return fmt.Sprintf("cmokuzps%017d", k) }

func newFindFixture(t *testing.T) findFixture {
	t.Helper()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := app.NewUser(t, "finder@example.com")
	for i := range findEndpoints {
		app.NewEndpoint(t, user, fmt.Sprintf("https://hooks.example.com/%d", i))
	}
	sample := string(webhook.SampleData(webhook.EventCommentAdded, ""))
	for k := range findEvents {
		data := strings.ReplaceAll(sample, "cmokuzps0000355mi4lufpkqa", recordingOf(k))
		apiMust(t, app, http.StatusAccepted, "POST", "/api/v1/events",
			map[string]any{"event": webhook.EventCommentAdded, "userId": user, "data": json.RawMessage(data)}, nil)
	}
	f := findFixture{app: app, user: user}
	f.all = f.list(t, "userId="+user)
	if len(f.all) != findEndpoints*findEvents {
		t.Fatalf("%d deliveries, want %d", len(f.all), findEndpoints*findEvents)
	}
	return f
}

// list follows the cursor through every page of the list with query.
func (f findFixture) list(t *testing.T, query string) []listedDelivery {
	t.Helper()
	var out []listedDelivery
	cursor := ""
	for {
		var page struct {
			Data       []listedDelivery `json:"data"`
			NextCursor *string          `json:"nextCursor"`
		}
		q := query + "&limit=100"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		apiMust(t, f.app, http.StatusOK, "GET", "/api/v1/deliveries?"+q, nil, &page)
		out = append(out, page.Data...)
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
}

func ids(ds []listedDelivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// TestDeliveryFind: the list's new filters (recordingId, outcome, since,
// until) alone, combined with the old ones and through the cursor, and
// bad values as 422 with the field named.
func TestDeliveryFind(t *testing.T) {
	t.Parallel()
	f := newFindFixture(t)
	ctx := t.Context()
	// The first attempts of a few deliveries failed to connect; one
	// succeeded. (The dispatcher writes last_outcome: internal/dispatch
	// TestAttemptFacts.) Their queue rows count the attempt too, as a
	// completion's would (00016_queue_facts).
	refused := ids(f.all[10:13])
	if _, err := f.app.Pool.Exec(ctx, `WITH q AS (UPDATE delivery_queue SET attempt_count = 1 WHERE delivery_id = ANY($1))
		UPDATE deliveries SET last_outcome = 'connection_error', attempt_count = 1 WHERE id = ANY($1)`, refused); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Pool.Exec(ctx, `WITH q AS (UPDATE delivery_queue SET attempt_count = 1 WHERE delivery_id = $1)
		UPDATE deliveries SET last_outcome = 'success', attempt_count = 1 WHERE id = $1`, f.all[20].ID); err != nil {
		t.Fatal(err)
	}
	// A time window: from the 400th newest delivery's createdAt to the
	// 200th's, both included (createdAt as the API shows it).
	since, until := f.all[399].CreatedAt, f.all[199].CreatedAt
	var inWindow []string
	for _, d := range f.all {
		if d.CreatedAt >= since && d.CreatedAt <= until {
			inWindow = append(inWindow, d.ID)
		}
	}
	byEvent := map[string][]string{}
	for _, d := range f.all {
		byEvent[d.EventID] = append(byEvent[d.EventID], d.ID)
	}
	// The list is newest first, so the last delivery's event is recording 0's.
	firstEvent := f.all[len(f.all)-1].EventID
	ep := f.all[0].EndpointID

	tests := []struct {
		name  string
		query string
		want  []string // in list order
	}{
		{name: "recordingId", query: "recordingId=" + recordingOf(0), want: byEvent[firstEvent]},
		{name: "recordingId unknown", query: "recordingId=cmokuzps-none", want: nil},
		{name: "outcome", query: "outcome=connection_error", want: refused},
		{name: "outcome and userId", query: "userId=" + f.user + "&outcome=success", want: []string{f.all[20].ID}},
		{name: "since and until", query: "userId=" + f.user + "&since=" + url.QueryEscape(since) + "&until=" + url.QueryEscape(until), want: inWindow},
		{name: "since, until and endpointId", query: "endpointId=" + ep + "&since=" + since + "&until=" + until,
			want: slices.DeleteFunc(slices.Clone(inWindow), func(id string) bool {
				return !slices.ContainsFunc(f.all, func(d listedDelivery) bool { return d.ID == id && d.EndpointID == ep })
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ids(f.list(t, tt.query))
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %d deliveries, want %d\n got %v\nwant %v", tt.query, len(got), len(tt.want), got, tt.want)
			}
		})
	}

	bad := []struct{ query, field string }{
		{"outcome=refused", "outcome"},
		{"since=yesterday", "since"},
		{"until=2026-13-01T00:00:00Z", "until"},
		{"since=2026-05-02T00:00:00Z&until=2026-05-01T00:00:00Z", "until"},
		{"recordingId=" + strings.Repeat("r", 201), "recordingId"},
		{"cursor=nope", "cursor"},
	}
	for _, b := range bad {
		for _, path := range []string{"/api/v1/deliveries?", "/api/v1/deliveries/export?"} {
			apiWantError(t, apiCall(t, f.app, "GET", path+b.query, nil, nil), http.StatusUnprocessableEntity, "validation_failed", b.field)
		}
	}
	apiWantError(t, apiCall(t, f.app, "GET", "/api/v1/deliveries/export?format=xml", nil, nil), http.StatusUnprocessableEntity, "validation_failed", "format")
}

// TestDeliveryExport: the export streams every matching delivery newest
// first, as CSV (the contract's header, one row per delivery) or NDJSON
// (one Delivery object per line), as a download.
func TestDeliveryExport(t *testing.T) {
	t.Parallel()
	f := newFindFixture(t)
	export := func(t *testing.T, query string) apiResult {
		t.Helper()
		res := apiCall(t, f.app, "GET", "/api/v1/deliveries/export?"+query, nil, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("status %d: %s", res.Status, res.Body)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("Content-Disposition %q, want an attachment", cd)
		}
		return res
	}

	t.Run("csv", func(t *testing.T) {
		t.Parallel()
		res := export(t, "format=csv&userId="+f.user)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("Content-Type %q", ct)
		}
		records, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		wantHeader := "id,eventId,endpointId,userId,event,status,attemptCount,lastStatusCode,lastOutcome,createdAt,completedAt"
		if got := strings.Join(records[0], ","); got != wantHeader {
			t.Fatalf("header %q, want %q", got, wantHeader)
		}
		rows := records[1:]
		if len(rows) != len(f.all) {
			t.Fatalf("%d rows, want one per delivery (%d)", len(rows), len(f.all))
		}
		for i, r := range rows {
			d := f.all[i]
			want := []string{d.ID, d.EventID, d.EndpointID, f.user, webhook.EventCommentAdded, d.Status, "0", "", "", d.CreatedAt, ""}
			if !slices.Equal(r, want) {
				t.Fatalf("row %d: %q, want %q", i+1, r, want)
			}
		}
	})

	t.Run("ndjson with a filter", func(t *testing.T) {
		t.Parallel()
		res := export(t, "format=ndjson&recordingId="+recordingOf(7))
		if ct := res.Header.Get("Content-Type"); ct != "application/x-ndjson" {
			t.Errorf("Content-Type %q", ct)
		}
		var got []listedDelivery
		sc := bufio.NewScanner(bytes.NewReader(res.Body))
		for sc.Scan() {
			var d listedDelivery
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				t.Fatalf("line %d is not a JSON object: %v: %s", len(got)+1, err, sc.Bytes())
			}
			got = append(got, d)
		}
		if len(got) != findEndpoints {
			t.Fatalf("%d lines, want %d (one per endpoint)", len(got), findEndpoints)
		}
		want := ids(f.list(t, "recordingId="+recordingOf(7)))
		if !slices.Equal(ids(got), want) {
			t.Errorf("export %v, want the list's %v", ids(got), want)
		}
	})

	t.Run("nothing matches", func(t *testing.T) {
		t.Parallel()
		res := export(t, "outcome=timeout")
		if strings.TrimSpace(string(res.Body)) != "id,eventId,endpointId,userId,event,status,attemptCount,lastStatusCode,lastOutcome,createdAt,completedAt" {
			t.Errorf("body %q, want the header alone", res.Body)
		}
	})
}
