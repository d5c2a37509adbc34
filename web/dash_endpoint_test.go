package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

func TestEndpointFormShowsInlineErrors(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_ALLOW_PRIVATE_TARGETS": "false"}})
	c := newClient(t, app)
	c.signUp("forms@example.com")

	for _, tc := range []struct {
		name   string
		form   url.Values
		fields []string
	}{
		{"empty", url.Values{}, []string{"endpoint-url", "endpoint-events"}},
		{"not a url", url.Values{"url": {"not a url"}, "events": {"comment.added"}}, []string{"endpoint-url"}},
		{"private target refused", url.Values{"url": {"https://127.0.0.1/hook"}, "events": {"comment.added"}}, []string{"endpoint-url"}},
		{"plain http refused", url.Values{"url": {"http://example.com/hook"}, "events": {"comment.added"}}, []string{"endpoint-url"}},
		{"unknown event", url.Values{"url": {"https://example.com/hook"}, "events": {"video.deleted"}}, []string{"endpoint-events"}},
		{"long description", url.Values{"url": {"https://example.com/hook"}, "events": {"comment.added"}, "description": {strings.Repeat("x", 501)}}, []string{"endpoint-description"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := c.post("/endpoints", tc.form)
			p.status(http.StatusUnprocessableEntity)
			p.one(`[data-testid="form-errors"]`)
			for _, f := range tc.fields {
				p.one(`[data-testid="` + f + `-error"]`)
			}
			// What was typed is kept.
			if u := tc.form.Get("url"); u != "" && attr(p.one(`input[data-testid="endpoint-url"]`), "value") != u {
				t.Fatal("the URL typed is not kept")
			}
		})
	}
	// The banner is only shown while private targets are allowed.
	if c.get("/endpoints").has(`[data-testid="private-targets-banner"]`) {
		t.Fatal("private targets banner shown while the setting is off")
	}
}

func TestEndpointLifecycle(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	c.signUp("life@example.com")
	c.get("/endpoints").one(`[data-testid="private-targets-banner"]`)

	id := c.createEndpoint("http://127.0.0.1:9/hook", `<script>alert("desc")</script>`, "comment.added", "recording.failed")
	page := c.get("/endpoints/" + id).status(http.StatusOK)
	page.one(`[data-testid="flash"]`)
	if got := page.text(`[data-testid="endpoint-events"]`); got != "recording.failed, comment.added" {
		t.Fatalf("events %q", got)
	}
	assertEscaped(t, page, `<script>alert("desc")</script>`)

	list := c.get("/endpoints").status(http.StatusOK)
	row := list.one(`[data-testid="endpoint-row"]`)
	if attr(row, "data-endpoint-id") != id {
		t.Fatal("row for another endpoint")
	}
	if got := list.text(`[data-testid="endpoint-state"]`); got != "Enabled" {
		t.Fatalf("state %q", got)
	}
	if got := list.text(`[data-testid="endpoint-last"]`); got != "None yet" {
		t.Fatalf("last delivery %q", got)
	}
	assertEscaped(t, list, `<script>alert("desc")</script>`)

	// Edit, with the same rules as create.
	edit := c.get("/endpoints/" + id + "/edit").status(http.StatusOK)
	if !hasAttr(edit.one(`[data-testid="event-comment.added"]`), "checked") || hasAttr(edit.one(`[data-testid="event-recording.completed"]`), "checked") {
		t.Fatal("edit form does not show the subscriptions")
	}
	c.post("/endpoints/"+id+"/edit", url.Values{"url": {"ftp://x"}, "events": {"comment.added"}}).status(http.StatusUnprocessableEntity).one(`[data-testid="endpoint-url-error"]`)
	if msg := textOf(c.post("/endpoints/"+id+"/edit", url.Values{"url": {"/relative"}, "events": {"comment.added"}}).status(http.StatusUnprocessableEntity).one(`[data-testid="endpoint-url-error"]`)); !strings.Contains(msg, "This URL must be absolute") {
		t.Errorf("URL error %q, want it to read \"This URL must be absolute ...\"", msg)
	}
	c.post("/endpoints/"+id+"/edit", url.Values{"url": {"http://127.0.0.1:9/other"}, "events": {"recording.completed"}, "description": {"new"}}).status(http.StatusSeeOther)
	ep, err := app.Store.EndpointGet(context.Background(), id)
	if err != nil || ep.Url != "http://127.0.0.1:9/other" || ep.Description != "new" || len(ep.Events) != 1 || ep.Events[0] != "recording.completed" {
		t.Fatalf("after edit: %+v %v", ep, err)
	}

	// Disable and enable answer htmx with the summary card, and the test
	// form out of band (its button depends on the state).
	p := c.post("/endpoints/"+id+"/disable", nil, htmx("endpoint-summary")).status(http.StatusOK)
	p.one(`[data-testid="enable-endpoint"]`)
	if got := p.text(`[data-testid="endpoint-summary"] [data-testid="endpoint-state"]`); got != "Disabled" {
		t.Fatalf("state after disable %q", got)
	}
	oob := p.one(`#test-event`)
	if attr(oob, "hx-swap-oob") != "true" || !hasAttr(p.one(`[data-testid="send-test-event"]`), "disabled") {
		t.Fatal("test event form not sent out of band, disabled")
	}
	// A test event to a disabled endpoint is refused inline.
	te := c.post("/endpoints/"+id+"/test", url.Values{"event": {"comment.added"}}, htmx("drawer")).status(http.StatusConflict)
	te.one(`[data-testid="test-event-error"]`)
	if te.Header.Get("HX-Retarget") != "#test-event" {
		t.Fatal("error not retargeted to the form")
	}
	c.post("/endpoints/"+id+"/enable", nil, htmx("endpoint-summary")).status(http.StatusOK).one(`[data-testid="disable-endpoint"]`)

	// Delete: without the confirmation, a confirmation page; with it, gone.
	c.post("/endpoints/"+id+"/delete", nil).status(http.StatusOK).one(`[data-testid="confirm-page"]`)
	if _, err := app.Store.EndpointGet(context.Background(), id); err != nil {
		t.Fatal("deleted without confirmation")
	}
	c.post("/endpoints/"+id+"/delete", url.Values{"confirm": {"yes"}}).status(http.StatusSeeOther)
	// Its page stays, read-only (dash_endpoint_deleted_test.go); the list
	// no longer shows it.
	c.get("/endpoints/" + id).status(http.StatusOK).one(`[data-testid="deleted-banner"]`)
	c.get("/endpoints").one(`[data-testid="endpoints-empty"]`)
}

// TestOtherUsersThingsAre404 walks every dashboard route that names an
// endpoint or a delivery with another user's ids: all 404, nothing changes.
func TestOtherUsersThingsAre404(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	owner := app.NewUser(t, "owner@example.com")
	ep := app.NewEndpoint(t, owner, "http://127.0.0.1:9/hook")
	var out struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+ep.ID+"/test", map[string]string{"event": "comment.added"}, &out)

	c := newClient(t, app)
	c.signUp("intruder@example.com")
	mine := c.createEndpoint("http://127.0.0.1:9/mine", "")
	for _, tc := range []struct{ method, path string }{
		{"GET", "/endpoints/" + ep.ID},
		{"GET", "/endpoints/" + ep.ID + "/edit"},
		{"GET", "/endpoints/" + ep.ID + "/deliveries"},
		{"GET", "/endpoints/" + ep.ID + "/deliveries/" + out.DeliveryID},
		{"GET", "/endpoints/" + ep.ID + "/deliveries/" + out.DeliveryID + "?part=live"},
		// Another user's delivery under my own endpoint.
		{"GET", "/endpoints/" + mine + "/deliveries/" + out.DeliveryID},
		{"POST", "/endpoints/" + mine + "/deliveries/" + out.DeliveryID + "/retry"},
		{"POST", "/endpoints/" + ep.ID + "/edit"},
		{"POST", "/endpoints/" + ep.ID + "/disable"},
		{"POST", "/endpoints/" + ep.ID + "/enable"},
		{"POST", "/endpoints/" + ep.ID + "/delete"},
		{"POST", "/endpoints/" + ep.ID + "/secret/reveal"},
		{"POST", "/endpoints/" + ep.ID + "/secret/rotate"},
		{"POST", "/endpoints/" + ep.ID + "/test"},
		{"POST", "/endpoints/" + ep.ID + "/deliveries/" + out.DeliveryID + "/retry"},
		{"GET", "/admin/deliveries"},
		{"GET", "/admin/deliveries/" + out.DeliveryID},
		{"POST", "/admin/deliveries/" + out.DeliveryID + "/retry"},
		{"POST", "/admin/deliveries/retry"},
	} {
		p := c.do(tc.method, tc.path, url.Values{"confirm": {"yes"}, "event": {"comment.added"}, "url": {"http://127.0.0.1:9/x"}, "events": {"comment.added"}})
		p.status(http.StatusNotFound)
		if strings.Contains(p.Body, ep.URL) || strings.Contains(p.Body, "owner@example.com") {
			t.Fatalf("%s %s: the 404 shows the other user's data", tc.method, tc.path)
		}
	}
	got, err := app.Store.EndpointGet(context.Background(), ep.ID)
	if err != nil || !got.Enabled || got.Url != ep.URL {
		t.Fatalf("the other user's endpoint changed: %+v %v", got, err)
	}
	d, _ := app.Store.DeliveryGet(context.Background(), out.DeliveryID)
	if d.ManualRequestedAt != nil {
		t.Fatal("the other user's delivery got a retry")
	}
	audit, _ := app.Store.AuditList(context.Background(), owner, 50)
	for _, a := range audit {
		if a.Action == "secret.revealed" || a.Action == "secret.rotated" {
			t.Fatalf("audit shows %s by someone else", a.Action)
		}
	}
}

// assertEscaped checks that untrusted text is on the page as text, and
// that no script element but the page's own static ones exists.
func assertEscaped(t *testing.T, p *page, raw string) {
	t.Helper()
	if !strings.Contains(textOf(p.Doc), raw) {
		t.Fatalf("%q is not shown as text", raw)
	}
	for _, s := range p.all("script") {
		if !strings.HasPrefix(attr(s, "src"), "/static/") {
			t.Fatalf("a script element that is not ours: %q", textOf(s))
		}
	}
	if strings.Contains(p.Body, raw) {
		t.Fatalf("%q appears unescaped in the HTML", raw)
	}
}
