package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

func TestSecretRevealAndRotate(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	uid := c.signUp("secret@example.com")
	id := c.createEndpoint("http://127.0.0.1:9/hook", "")

	page := c.get("/endpoints/" + id)
	page.one(`[data-testid="secret-masked"]`)
	if page.has(`[data-testid="secret-value"]`) {
		t.Fatal("the secret is shown before Reveal")
	}
	// GET never reveals: no route, so the dashboard's 404, and no audit.
	c.get("/endpoints/" + id + "/secret/reveal").status(http.StatusNotFound)

	p := c.post("/endpoints/"+id+"/secret/reveal", nil, htmx("secret-box")).status(http.StatusOK)
	if cc := p.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("Cache-Control %q", cc)
	}
	secret := p.text(`[data-testid="secret-value"]`)
	p.one(`[data-testid="copy-secret"]`)
	ep, _ := app.Store.EndpointGet(context.Background(), id)
	if want, _ := app.Store.EndpointSecret(ep); secret != want {
		t.Fatalf("revealed %q, the endpoint's secret is %q", secret, want)
	}
	audit, err := app.Store.AuditList(context.Background(), uid, 20)
	if err != nil {
		t.Fatal(err)
	}
	reveals := 0
	for _, a := range audit {
		if a.Action == "secret.revealed" {
			reveals++
			if a.Actor != uid {
				t.Fatalf("audit actor %q, want %q", a.Actor, uid)
			}
		}
	}
	if reveals != 1 {
		t.Fatalf("%d secret.revealed audit entries, want 1", reveals)
	}
	// "Hide" fetches the masked box.
	c.get("/endpoints/"+id, htmx("secret-box")).status(http.StatusOK).one(`[data-testid="secret-masked"]`)

	// Without JavaScript the POST answers the whole page, still not cached.
	full := c.post("/endpoints/"+id+"/secret/reveal", nil).status(http.StatusOK)
	if full.text(`[data-testid="secret-value"]`) != secret || !strings.Contains(full.Header.Get("Cache-Control"), "no-store") {
		t.Fatal("no-JS reveal")
	}

	rot := c.post("/endpoints/"+id+"/secret/rotate", nil, htmx("secret-box")).status(http.StatusOK)
	rot.one(`[data-testid="secret-rotated"]`)
	if fresh := rot.text(`[data-testid="secret-value"]`); fresh == secret || !strings.HasPrefix(fresh, "whsec_") {
		t.Fatalf("rotated to %q", fresh)
	}
	// The rotation's warning, shown before it, names the retries.
	if msg := attr(page.one(`[data-testid="rotate-secret"]`), "data-confirm"); !strings.Contains(msg, "retries") {
		t.Fatalf("rotate confirmation %q", msg)
	}
	// The snippets are there, ready to paste.
	for _, lang := range []string{"node", "python", "go"} {
		page.one(`[data-testid="snippet-` + lang + `"] code`)
		page.one(`[data-testid="copy-snippet-` + lang + `"]`)
	}
}

// TestDeliveryDrawer: the drawer's list, filters, search and keyset paging,
// its detail, and a manual retry, as HTML.
func TestDeliveryDrawer(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	c.signUp("drawer@example.com")
	id := c.createEndpoint("http://127.0.0.1:9/hook", "")
	var ids []string
	for i := range 30 {
		event := webhook.EventTypes[i%3]
		var out struct{ DeliveryID string }
		app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+id+"/test", map[string]string{"event": event}, &out)
		ids = append(ids, out.DeliveryID)
	}
	newest := ids[len(ids)-1]

	// The drawer's URL opens the endpoint page with the drawer open.
	full := c.get("/endpoints/" + id + "/deliveries").status(http.StatusOK)
	full.one(`[data-testid="endpoint-summary"]`)
	rows := full.all(`[data-testid="drawer"] [data-testid="delivery-row"]`)
	if len(rows) != 25 {
		t.Fatalf("%d rows on the first page, want 25", len(rows))
	}
	if attr(rows[0], "data-delivery-id") != newest {
		t.Fatal("not newest first")
	}
	// Pending rows poll; they show "0 of 3" attempts.
	if attr(rows[0], "hx-trigger") != "every 2s" || !strings.Contains(attr(rows[0], "hx-get"), "?part=row") {
		t.Fatalf("a pending row does not refresh itself: %v", rows[0].Attr)
	}
	if got := full.text(`#row-` + newest + ` [data-testid="delivery-attempts"]`); got != "0 of 3" {
		t.Fatalf("attempts %q", got)
	}
	more := attr(full.one(`[data-testid="load-more"]`), "hx-get")
	if !strings.Contains(more, "cursor=") || strings.Contains(more, "offset") {
		t.Fatalf("load more %q", more)
	}
	next := c.get(more, htmx("load-more")).status(http.StatusOK)
	if n := len(next.all(`[data-testid="delivery-row"]`)); n != 5 {
		t.Fatalf("%d rows on the second page, want 5", n)
	}
	if next.has(`[data-testid="load-more"]`) {
		t.Fatal("load more on the last page")
	}

	// The drawer alone, for htmx; then filters, which swap the results.
	c.get("/endpoints/"+id+"/deliveries", htmx("drawer")).status(http.StatusOK).one(`[data-testid="delivery-filters"]`)
	f := c.get("/endpoints/"+id+"/deliveries?event=comment.added", htmx("drawer-results")).status(http.StatusOK)
	for _, r := range f.all(`[data-testid="delivery-row"]`) {
		if got := textOf(cascadiaOne(r, `[data-testid="delivery-link"]`)); got != "comment.added" {
			t.Fatalf("event filter let %q through", got)
		}
	}
	if n := len(f.all(`[data-testid="delivery-row"]`)); n != 10 {
		t.Fatalf("%d comment.added rows, want 10", n)
	}
	c.get("/endpoints/"+id+"/deliveries?status=failed", htmx("drawer-results")).one(`[data-testid="deliveries-empty"]`)
	one := c.get("/endpoints/"+id+"/deliveries?q="+ids[3], htmx("drawer-results"))
	if r := one.one(`[data-testid="delivery-row"]`); attr(r, "data-delivery-id") != ids[3] {
		t.Fatal("search by id found another delivery")
	}
	c.get("/endpoints/"+id+"/deliveries?q=not+an+id%21", htmx("drawer-results")).status(http.StatusOK).one(`[data-testid="drawer-error"]`)
	c.get("/endpoints/"+id+"/deliveries?cursor=%21%21", htmx("drawer-results")).status(http.StatusOK).one(`[data-testid="drawer-error"]`)
	c.get("/endpoints/"+id+"/deliveries?status=bogus", htmx("drawer-results")).status(http.StatusOK).one(`[data-testid="drawer-error"]`)

	// The detail: the exact request, signed with the current secret.
	detail := c.get("/endpoints/" + id + "/deliveries/" + newest).status(http.StatusOK)
	d := detail.one(`[data-testid="delivery-detail"]`)
	if attr(d, "data-delivery-id") != newest {
		t.Fatal("detail of another delivery")
	}
	dd, err := app.Store.DeliveryDetail(context.Background(), newest)
	if err != nil {
		t.Fatal(err)
	}
	ep, _ := app.Store.EndpointGet(context.Background(), id)
	secret, _ := app.Store.EndpointSecret(ep)
	want := map[string]string{
		"Content-Type": "application/json", "User-Agent": "ClipCabinet-Webhooks/1.0",
		"X-ClipCabinet-Event": dd.EventType, "X-ClipCabinet-Delivery": newest,
	}
	for h, v := range want {
		if got := detail.text(`[data-testid="header-` + h + `"]`); got != v {
			t.Fatalf("header %s = %q, want %q", h, got, v)
		}
	}
	if sig := detail.text(`[data-testid="header-X-ClipCabinet-Signature"]`); sig != webhook.Sign(secret, dd.Body) {
		t.Fatalf("signature %q", sig)
	}
	if got := detail.text(`[data-testid="header-Content-Length"]`); got != strconv.Itoa(len(dd.Body)) {
		t.Fatalf("Content-Length %q, body %d bytes", got, len(dd.Body))
	}
	if note := detail.text(`[data-testid="signature-note"]`); !strings.Contains(note, "signed with the endpoint's current secret") {
		t.Fatalf("signature note %q", note)
	}
	var pretty, compact any
	_ = json.Unmarshal([]byte(detail.text(`[data-testid="request-body"]`)), &pretty)
	_ = json.Unmarshal(dd.Body, &compact)
	if pb, _ := json.Marshal(pretty); string(pb) != string(mustJSON(compact)) {
		t.Fatalf("body shown %s, sent %s", pb, dd.Body)
	}
	live := detail.one(`[data-testid="delivery-live"]`)
	if attr(live, "hx-trigger") != "every 2s" {
		t.Fatal("a pending detail does not refresh itself")
	}
	detail.one(`[data-testid="no-attempts"]`)

	// Manual retry: requested, then the button is disabled until it runs.
	r1 := c.post("/endpoints/"+id+"/deliveries/"+newest+"/retry", nil, htmx("delivery-live")).status(http.StatusOK)
	r1.one(`[data-testid="retry-notice"]`)
	if !hasAttr(r1.one(`[data-testid="retry"]`), "disabled") {
		t.Fatal("retry button enabled while a retry is requested")
	}
	r2 := c.post("/endpoints/"+id+"/deliveries/"+newest+"/retry", nil, htmx("delivery-live")).status(http.StatusOK)
	if msg := r2.text(`[data-testid="retry-error"]`); !strings.Contains(msg, "already requested") {
		t.Fatalf("second retry says %q", msg)
	}
	// Parts that poll.
	c.get("/endpoints/"+id+"/deliveries/"+newest+"?part=live", htmx("delivery-live")).one(`[data-testid="delivery-live"]`)
	c.get("/endpoints/"+id+"/deliveries/"+newest+"?part=row", htmx("row-"+newest)).one(`[data-testid="delivery-row"]`)
	// The endpoint list names the newest delivery.
	if got := c.get("/endpoints").text(`[data-testid="endpoint-last"] [data-testid="status-badge"]`); got != "Pending" {
		t.Fatalf("last delivery %q", got)
	}
}

// TestUntrustedTextIsEscaped: payload strings and receiver answers that
// hold markup are shown as text, never run.
func TestUntrustedTextIsEscaped(t *testing.T) {
	t.Parallel()
	const evil = `<script>alert('pwned')</script><img src=x onerror=alert(1)>`
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, evil)
	}))
	defer recv.Close()
	app := testapp.Start(t, testapp.Options{})
	c := newClient(t, app)
	uid := c.signUp("escape@example.com")
	id := c.createEndpoint(recv.URL+"/hook", evil, "comment.added")

	var data map[string]any
	_ = json.Unmarshal(webhook.SampleData("comment.added", uid), &data)
	data["body"], data["authorName"] = evil, evil
	var out struct {
		Deliveries []struct{ ID string } `json:"deliveries"`
	}
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/events", map[string]any{"event": "comment.added", "userId": uid, "data": data}, &out)
	did := out.Deliveries[0].ID
	app.WaitDelivery(t, did, 10*time.Second, func(d testapp.Delivery) bool { return d.Status == "succeeded" })

	p := c.get("/endpoints/" + id + "/deliveries/" + did).status(http.StatusOK)
	if !strings.Contains(p.text(`[data-testid="request-body"]`), evil) {
		t.Fatal("payload not shown")
	}
	if p.text(`[data-testid="response-body"]`) != evil {
		t.Fatal("response body not shown")
	}
	assertEscaped(t, p, evil)
	if len(p.all("img")) != 0 {
		t.Fatal("markup from the payload became an element")
	}
	// A final row does not poll.
	row := c.get("/endpoints/" + id + "/deliveries").one(`[data-testid="delivery-row"]`)
	if hasAttr(row, "hx-trigger") || attr(row, "data-status") != "succeeded" {
		t.Fatalf("final row: %v", row.Attr)
	}
	assertEscaped(t, c.get("/endpoints"), evil)
}

func TestSendTestEventOpensDrawer(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	c.signUp("tester@example.com")
	id := c.createEndpoint("http://127.0.0.1:9/hook", "")
	p := c.post("/endpoints/"+id+"/test", url.Values{"event": {"recording.failed"}}, htmx("drawer")).status(http.StatusOK)
	notice := p.text(`[data-testid="drawer-notice"]`)
	row := p.one(`[data-testid="delivery-row"]`)
	if !strings.Contains(notice, attr(row, "data-delivery-id")) || !strings.Contains(notice, "recording.failed") {
		t.Fatalf("notice %q for row %v", notice, row.Attr)
	}
	c.post("/endpoints/"+id+"/test", url.Values{"event": {"video.deleted"}}, htmx("drawer")).status(http.StatusUnprocessableEntity).one(`[data-testid="test-event-error"]`)
	// Without JavaScript: back to the drawer's URL, with a flash.
	np := c.post("/endpoints/"+id+"/test", url.Values{"event": {"comment.added"}}).status(http.StatusSeeOther)
	if np.Header.Get("Location") != "/endpoints/"+id+"/deliveries" {
		t.Fatalf("redirect to %q", np.Header.Get("Location"))
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }
