package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestFavicon: the layout links the SVG icon by its hashed URL, and
// /favicon.ico answers it too, so no browser gets a 404 for it.
func TestFavicon(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	href := attr(c.get("/login").one(`link[rel="icon"]`), "href")
	if !strings.HasPrefix(href, "/static/favicon.svg?v=") {
		t.Fatalf("icon link %q", href)
	}
	for _, path := range []string{href, "/favicon.ico"} {
		resp, err := app.Client.Get(app.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("%s: status %d, type %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

// TestEndpointPageRefresh: closing the drawer and a retry in it answer
// HX-Trigger "deliveries-changed", which the page's refresher listens for;
// the refresh is the summary card with the recovery card out of band.
func TestEndpointPageRefresh(t *testing.T) {
	t.Parallel()
	app, c, id := ownerWithEndpoint(t, "fresh@example.com", "http://127.0.0.1:9/fresh", "")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+id+"/test", map[string]string{"event": "comment.added"}, &out)

	ref := c.get("/endpoints/" + id).status(http.StatusOK).one(`[data-testid="page-refresh"]`)
	if attr(ref, "hx-trigger") != "deliveries-changed from:body" || attr(ref, "hx-target") != "#endpoint-summary" || attr(ref, "hx-get") != "/endpoints/"+id {
		t.Fatalf("refresher %q %q %q", attr(ref, "hx-trigger"), attr(ref, "hx-target"), attr(ref, "hx-get"))
	}
	closed := c.get("/endpoints/"+id, htmx("drawer")).status(http.StatusOK)
	if got := closed.Header.Get("HX-Trigger"); got != "deliveries-changed" {
		t.Fatalf("closing the drawer: HX-Trigger %q", got)
	}
	if opened := c.get("/endpoints/"+id+"/deliveries", htmx("drawer")); opened.Header.Get("HX-Trigger") != "" {
		t.Fatal("opening the drawer asks for a refresh")
	}
	retried := c.post("/endpoints/"+id+"/deliveries/"+out.DeliveryID+"/retry", nil, htmx("delivery-live")).status(http.StatusOK)
	if got := retried.Header.Get("HX-Trigger"); got != "deliveries-changed" {
		t.Fatalf("retry: HX-Trigger %q", got)
	}
	part := c.get("/endpoints/"+id, htmx("endpoint-summary")).status(http.StatusOK)
	part.one(`#endpoint-summary[data-testid="endpoint-summary"]`)
	if attr(part.one(`#recovery`), "hx-swap-oob") != "true" {
		t.Fatal("the recovery card is not refreshed out of band")
	}
	if part.has(`[data-testid="drawer"]`) || part.has(`[data-testid="secret-box"]`) {
		t.Fatal("the refresh answers more than the summary")
	}
}

// TestRecoveryRangeText: the recovery card's range is two text fields
// (not datetime-local, which costs 7 tab stops each) that read UTC
// "2026-11-30 17:42", with seconds, with a T, a day, or ISO 8601 with an
// offset; they show what they read in one form, which reads back the same;
// anything else is said beside the field, never a 500.
func TestRecoveryRangeText(t *testing.T) {
	t.Parallel()
	_, c, id := ownerWithEndpoint(t, "range@example.com", "http://127.0.0.1:9/range", "")

	page := c.get("/endpoints/" + id).status(http.StatusOK)
	for _, f := range []string{"recovery-from", "recovery-to"} {
		in := page.one(`[data-testid="` + f + `"]`)
		if attr(in, "type") != "text" || attr(in, "placeholder") == "" || !strings.Contains(attr(in, "aria-describedby"), "recovery-time-hint") {
			t.Fatalf("%s: type %q placeholder %q describedby %q", f, attr(in, "type"), attr(in, "placeholder"), attr(in, "aria-describedby"))
		}
	}
	if def := attr(page.one(`[data-testid="recovery-from"]`), "value"); !isMinute(def) {
		t.Fatalf("default start %q is not written 2006-01-02 15:04", def)
	}
	page.one(`#recovery-time-hint`)

	good := []struct{ name, from, to, wantFrom, wantTo string }{
		{"minutes", "2025-01-31 14:05", "", "2025-01-31 14:05", ""},
		{"with a T", "2025-01-31T14:05", "2025-02-01T09:30", "2025-01-31 14:05", "2025-02-01 09:30"},
		{"seconds", "2025-01-31 14:05:59", "", "2025-01-31 14:05", ""},
		{"a day", "2025-01-31", "2025-02-01", "2025-01-31 00:00", "2025-02-01 00:00"},
		{"ISO 8601 UTC", "2025-01-31T14:05:00Z", "", "2025-01-31 14:05", ""},
		{"ISO 8601 with an offset", "2025-01-31T15:05:00+01:00", "", "2025-01-31 14:05", ""},
		{"spaces around", "  2025-01-31 14:05 ", "", "2025-01-31 14:05", ""},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"from": {tc.from}, "to": {tc.to}}.Encode()
			p := c.get("/endpoints/" + id + "/recover?" + q).status(http.StatusOK)
			from, to := attr(p.one(`[data-testid="recovery-from"]`), "value"), attr(p.one(`[data-testid="recovery-to"]`), "value")
			if from != tc.wantFrom || to != tc.wantTo {
				t.Fatalf("read %q–%q, want %q–%q", from, to, tc.wantFrom, tc.wantTo)
			}
			if p.has(`[data-testid="recovery-from-error"]`) || p.has(`[data-testid="recovery-to-error"]`) {
				t.Fatal("an error for a good time")
			}
			// What the page shows reads back to itself.
			again := c.get("/endpoints/" + id + "/recover?" + url.Values{"from": {from}, "to": {to}}.Encode()).status(http.StatusOK)
			if attr(again.one(`[data-testid="recovery-from"]`), "value") != from || attr(again.one(`[data-testid="recovery-to"]`), "value") != to {
				t.Fatal("the shown range does not read back the same")
			}
		})
	}

	bad := []struct{ name, from, to, field string }{
		{"words", "yesterday", "", "from"},
		{"day first", "31/01/2025 14:05", "", "from"},
		{"no month 13", "2025-13-01 10:00", "", "from"},
		{"no 25 o'clock", "2025-01-31 25:00", "", "from"},
		{"before 2000", "1999-12-31 23:00", "", "from"},
		{"end not a time", "2025-01-31 14:05", "tomorrow", "to"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"from": {tc.from}, "to": {tc.to}}.Encode()
			p := c.get("/endpoints/" + id + "/recover?" + q).status(http.StatusUnprocessableEntity)
			in := p.one(`[data-testid="recovery-` + tc.field + `"]`)
			msg := p.text(`[data-testid="recovery-` + tc.field + `-error"]`)
			if !strings.Contains(msg, "like 2026-11-30 17:42") || attr(in, "aria-invalid") != "true" ||
				!strings.Contains(attr(in, "aria-describedby"), "recovery-"+tc.field+"-error") {
				t.Fatalf("message %q, aria-invalid %q, describedby %q", msg, attr(in, "aria-invalid"), attr(in, "aria-describedby"))
			}
			// The field keeps what was typed, to be corrected.
			want := strings.TrimSpace(map[string]string{"from": tc.from, "to": tc.to}[tc.field])
			if got := attr(in, "value"); got != want {
				t.Fatalf("value %q, want %q as typed", got, want)
			}
		})
	}
}

func isMinute(s string) bool {
	_, err := time.Parse("2006-01-02 15:04", s)
	return err == nil
}

// ownerWithEndpoint starts an app without a dispatcher and signs up a user
// with one endpoint through the dashboard.
func ownerWithEndpoint(t *testing.T, email, target, description string) (*testapp.App, *client, string) {
	t.Helper()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	c.signUp(email)
	return app, c, c.createEndpoint(target, description)
}
