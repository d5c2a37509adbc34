package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/cascadia"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// received is one request a test receiver got.
type received struct {
	header http.Header
	body   []byte
}

// newRecordingReceiver answers 200 to everything and hands each request
// over on the channel.
func newRecordingReceiver(t *testing.T) (*httptest.Server, <-chan received) {
	ch := make(chan received, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- received{header: r.Header.Clone(), body: body}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

// testEventSetup starts an app without a dispatcher, signs a user up and
// gives them an endpoint nothing listens on: it returns the user's client,
// id and endpoint id.
func testEventSetup(t *testing.T, email string) (*testapp.App, *client, string, string) {
	t.Helper()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	uid := c.signUp(email)
	return app, c, uid, c.createEndpoint("http://127.0.0.1:9/hook", "")
}

// endpointSecret is the endpoint's active signing secret.
func endpointSecret(t *testing.T, app *testapp.App, id string) string {
	t.Helper()
	ep, err := app.Store.EndpointGet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := app.Store.EndpointSecret(ep)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// prefilled is the test-event form's textarea text on a page.
func prefilled(p *page) string {
	return rawText(p.one(`textarea[data-testid="test-event-data"]`))
}

// TestTestEventEditedData: the form starts from the catalogue's example
// with the user's ids; edited and sent, the receiver gets exactly the
// edited data, in a body signed with the endpoint's secret, and the
// delivery is marked Test.
func TestTestEventEditedData(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{})
	recv, got := newRecordingReceiver(t)
	c := newClient(t, app)
	uid := c.signUp("editor@example.com")
	id := c.createEndpoint(recv.URL+"/hook", "", webhook.EventRecordingCompleted)

	page := c.get("/endpoints/" + id).status(http.StatusOK)
	if sel := attr(page.one(`[data-testid="test-event-type"] option[selected]`), "value"); sel != webhook.EventRecordingCompleted {
		t.Fatalf("preselected type %q", sel)
	}
	text := prefilled(page)
	var want map[string]any
	if err := json.Unmarshal([]byte(text), &want); err != nil {
		t.Fatalf("prefilled data is not JSON: %v\n%s", err, text)
	}
	if want["userId"] != uid || !strings.HasPrefix(want["recordingId"].(string), webhook.TestRecordingIDPrefix) {
		t.Fatalf("prefilled data has userId %v, recordingId %v", want["userId"], want["recordingId"])
	}
	if !strings.Contains(text, "\n  \"title\"") {
		t.Fatalf("prefilled data is not indented for editing:\n%s", text)
	}

	// Edit a string with markup and non-ASCII text, a number and a nested field.
	want["title"] = `Edited <b>title</b> & café ✓`
	want["durationSec"] = json.Number("7")
	want["counts"].(map[string]any)["frames"] = json.Number("3")
	edited, _ := json.MarshalIndent(want, "", "    ")
	p := c.post("/endpoints/"+id+"/test", url.Values{"event": {webhook.EventRecordingCompleted}, "data": {string(edited)}}, htmx("drawer")).status(http.StatusOK)
	row := p.one(`[data-testid="delivery-row"]`)
	did := attr(row, "data-delivery-id")
	if !strings.Contains(p.text(`[data-testid="drawer-notice"]`), did) {
		t.Fatalf("notice does not name %s", did)
	}
	if cascadiaOne(row, `[data-testid="test-badge"]`) == nil {
		t.Fatal("the test delivery's row has no Test badge")
	}

	var r received
	select {
	case r = <-got:
	case <-time.After(15 * time.Second):
		t.Fatal("the receiver got nothing")
	}
	if !webhook.Verify(endpointSecret(t, app, id), r.body, r.header.Get(webhook.HeaderSignature)) {
		t.Fatalf("signature %q does not verify the body", r.header.Get(webhook.HeaderSignature))
	}
	if r.header.Get(webhook.HeaderDelivery) != did || r.header.Get(webhook.HeaderEvent) != webhook.EventRecordingCompleted {
		t.Fatalf("headers %v", r.header)
	}
	var body struct {
		Event, DeliveryID string
		Data              json.RawMessage
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	canonical, errs := webhook.ValidateData(webhook.EventRecordingCompleted, edited)
	if errs != nil {
		t.Fatal(errs)
	}
	if !bytes.Equal(body.Data, canonical) || body.DeliveryID != did || !webhook.ValidID(webhook.PrefixDelivery, body.DeliveryID) {
		t.Fatalf("body %s\nwant data %s", r.body, canonical)
	}
	// Literally: markup and non-ASCII are not escaped.
	if !bytes.Contains(r.body, []byte(`"title":"Edited <b>title</b> & café ✓"`)) || !bytes.Contains(r.body, []byte(`"frames":3`)) {
		t.Fatalf("body does not carry the edits literally: %s", r.body)
	}
}

// TestTestEventRefusesBadData: data that is too large, not JSON or not of
// the schema is refused inline, naming the path, with the user's text
// kept in the textarea, and nothing is delivered.
func TestTestEventRefusesBadData(t *testing.T) {
	t.Parallel()
	app, c, uid, id := testEventSetup(t, "refused@example.com")

	example := func(event string, change func(map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal(webhook.TestEventData(event, uid), &m)
		change(m)
		b, _ := json.MarshalIndent(m, "", "  ")
		return string(b)
	}
	tests := []struct {
		name, event, data string
		problem           string            // in the message
		fields            map[string]string // path -> message
	}{
		{name: "wrong type at a nested path", event: webhook.EventRecordingCompleted,
			data:    example(webhook.EventRecordingCompleted, func(m map[string]any) { m["counts"].(map[string]any)["frames"] = "seven" }),
			problem: "does not match the schema of recording.completed", fields: map[string]string{"data.counts.frames": "must be a non-negative integer"}},
		{name: "unknown field", event: webhook.EventCommentAdded,
			data:    example(webhook.EventCommentAdded, func(m map[string]any) { m["colour"] = "red" }),
			problem: "does not match", fields: map[string]string{"data.colour": "is not allowed"}},
		{name: "missing field and null where none is allowed", event: webhook.EventRecordingFailed,
			data:   example(webhook.EventRecordingFailed, func(m map[string]any) { delete(m, "errorMessage"); m["kind"] = nil }),
			fields: map[string]string{"data.errorMessage": "is required", "data.kind": "must not be null"}},
		{name: "another type's example", event: webhook.EventCommentAdded,
			data:   string(webhook.TestEventData(webhook.EventRecordingFailed, uid)),
			fields: map[string]string{"data.commentId": "is required", "data.userId": "is not allowed"}},
		{name: "not an object", event: webhook.EventCommentAdded, data: `["a"]`, fields: map[string]string{"data": "must be an object"}},
		{name: "not JSON", event: webhook.EventCommentAdded, data: "{\n  \"body\": \"hi\",\n  \"timestampMs\": ,\n}",
			problem: "not valid JSON: invalid character ',' looking for beginning of value (line 3, column 18)"},
		{name: "cut short", event: webhook.EventCommentAdded, data: `{"body": "hi"`, problem: "not valid JSON"},
		{name: "empty", event: webhook.EventCommentAdded, data: "  \r\n", problem: "Write the data as a JSON object"},
		{name: "too large", event: webhook.EventRecordingCompleted,
			data:    example(webhook.EventRecordingCompleted, func(m map[string]any) { m["summary"] = strings.Repeat("ü", 9000) }),
			problem: "a test event's data may have at most 16384 (16 KiB)"},
		{name: "leading blank line and CRLF kept", event: webhook.EventCommentAdded, data: "\n\r\n{\"body\": 1}",
			problem: "does not match", fields: map[string]string{"data.body": "must be a string", "data.commentId": "is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			form := url.Values{"event": {tt.event}, "data": {tt.data}}
			p := c.post("/endpoints/"+id+"/test", form, htmx("drawer")).status(http.StatusUnprocessableEntity)
			if p.Header.Get("HX-Retarget") != "#test-event" {
				t.Fatalf("HX-Retarget %q", p.Header.Get("HX-Retarget"))
			}
			// The text sent, as a browser reads it back (CRLF as LF).
			if got, want := prefilled(p), strings.ReplaceAll(tt.data, "\r\n", "\n"); got != want {
				t.Fatalf("textarea holds\n%q\nwant the text sent\n%q", got, want)
			}
			ta := p.one(`textarea[data-testid="test-event-data"]`)
			if attr(ta, "aria-invalid") != "true" || !strings.Contains(attr(ta, "aria-describedby"), "test-event-data-error") {
				t.Fatalf("textarea attributes %v", ta.Attr)
			}
			msg := p.text(`[data-testid="test-event-data-error"]`)
			if !strings.Contains(msg, tt.problem) {
				t.Fatalf("message %q, want it to say %q", msg, tt.problem)
			}
			got := map[string]string{}
			for _, li := range p.all(`[data-testid="test-event-field-error"]`) {
				got[attr(li, "data-path")] = strings.TrimSpace(strings.TrimPrefix(textOf(li), attr(li, "data-path")))
			}
			for path, want := range tt.fields {
				if got[path] != want {
					t.Errorf("%s: %q, want %q (all: %v)", path, got[path], want, got)
				}
			}
			if tt.fields == nil && len(got) > 0 {
				t.Errorf("field errors %v for a whole-text problem", got)
			}
			if sel := attr(p.one(`[data-testid="test-event-type"] option[selected]`), "value"); sel != tt.event {
				t.Errorf("type %q selected, want %q", sel, tt.event)
			}
		})
	}

	t.Run("without JavaScript the page comes back with the text", func(t *testing.T) {
		t.Parallel()
		bad := `{"commentId": 5}`
		p := c.post("/endpoints/"+id+"/test", url.Values{"event": {webhook.EventCommentAdded}, "data": {bad}}).status(http.StatusUnprocessableEntity)
		if prefilled(p) != bad || !p.has(`[data-testid="endpoint-summary"]`) || !p.has(`[data-testid="test-event-field-error"][data-path="data.commentId"]`) {
			t.Fatalf("page:\n%.3000s", p.Body)
		}
	})
	t.Run("a form larger than any form is 413, not 500", func(t *testing.T) {
		t.Parallel()
		c.post("/endpoints/"+id+"/test", url.Values{"event": {webhook.EventCommentAdded}, "data": {strings.Repeat("{", 70<<10)}}).status(http.StatusRequestEntityTooLarge)
	})
	t.Run("bytes no column holds are 400, not 500", func(t *testing.T) {
		t.Parallel()
		c.post("/endpoints/"+id+"/test", url.Values{"event": {webhook.EventCommentAdded}, "data": {"{\"body\": \"\xff\"}"}}).status(http.StatusBadRequest)
	})

	// Nothing of the above was sent.
	var out struct{ Data []struct{ ID string } }
	app.MustAPI(t, http.StatusOK, "GET", "/api/v1/deliveries?endpointId="+id, nil, &out)
	if len(out.Data) != 0 {
		t.Fatalf("%d deliveries made by refused test events", len(out.Data))
	}
}

// TestTestEventChooseType: choosing another type swaps the data field for
// one with that type's example; the page's URL takes the type too.
func TestTestEventChooseType(t *testing.T) {
	t.Parallel()
	_, c, uid, id := testEventSetup(t, "chooser@example.com")
	for _, event := range webhook.EventTypes {
		for _, p := range []*page{
			c.get("/endpoints/"+id+"?event="+event, htmx("test-event-data-field")).status(http.StatusOK),
			c.get("/endpoints/" + id + "?event=" + event).status(http.StatusOK),
		} {
			text := prefilled(p)
			if canonical, errs := webhook.ValidateData(event, json.RawMessage(text)); errs != nil || !bytes.Equal(canonical, webhook.TestEventData(event, uid)) {
				t.Fatalf("%s: prefilled %s (%v)", event, text, errs)
			}
			if href := attr(p.one(`[data-testid="test-event-catalogue"]`), "href"); href != "/events#event-"+strings.ReplaceAll(event, ".", "-") {
				t.Fatalf("%s: catalogue link %q", event, href)
			}
		}
	}
	frag := c.get("/endpoints/"+id+"?event=comment.added", htmx("test-event-data-field")).status(http.StatusOK)
	if frag.has(`[data-testid="test-event-type"]`) || !frag.has(`div#test-event-data-field > textarea`) {
		t.Fatalf("the fragment is not the data field alone:\n%.2000s", frag.Body)
	}
	page := c.get("/endpoints/" + id + "?event=comment.added").status(http.StatusOK)
	if sel := attr(page.one(`[data-testid="test-event-type"] option[selected]`), "value"); sel != "comment.added" {
		t.Fatalf("?event=comment.added: %q selected", sel)
	}
	// An unknown type keeps the endpoint's first.
	p := c.get("/endpoints/" + id + "?event=recording.deleted").status(http.StatusOK)
	if sel := attr(p.one(`[data-testid="test-event-type"] option[selected]`), "value"); sel != webhook.EventTypes[0] {
		t.Fatalf("unknown type: %q selected", sel)
	}
}

// TestTestBadge: test deliveries, from the dashboard or the API, carry
// the Test badge in the drawer, their detail and the admin list; a
// published event's delivery carries none.
func TestTestBadge(t *testing.T) {
	t.Parallel()
	app, c, uid, id := testEventSetup(t, "badges@example.com")

	real := publish(t, app, uid, webhook.EventCommentAdded, "")[0]
	// The newest row is the test event's.
	dash := attr(c.post("/endpoints/"+id+"/test", url.Values{"event": {webhook.EventCommentAdded}}, htmx("drawer")).
		status(http.StatusOK).all(`[data-testid="delivery-row"]`)[0], "data-delivery-id")
	var api struct{ DeliveryID string }
	app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+id+"/test", map[string]string{"event": webhook.EventRecordingFailed}, &api)
	tests := map[string]bool{real: false, dash: true, api.DeliveryID: true}

	admin := newClient(t, app)
	newAdmin(t, app, "admin-badges@example.com")
	admin.logIn("admin-badges@example.com", testPassword).status(http.StatusSeeOther)
	lists := map[string]*page{
		"drawer": c.get("/endpoints/" + id + "/deliveries").status(http.StatusOK),
		"admin":  admin.get("/admin/deliveries?status=any").status(http.StatusOK),
	}
	for name, list := range lists {
		rows := list.all(`[data-testid="delivery-row"]`)
		if len(rows) != len(tests) {
			t.Fatalf("%s: %d rows, want %d", name, len(rows), len(tests))
		}
		for _, row := range rows {
			did := attr(row, "data-delivery-id")
			if got := cascadiaOne(row, `[data-testid="test-badge"]`) != nil; got != tests[did] {
				t.Errorf("%s: row %s has a Test badge: %v, want %v", name, did, got, tests[did])
			}
		}
	}
	for did, want := range tests {
		for _, p := range []*page{
			c.get("/endpoints/" + id + "/deliveries/" + did).status(http.StatusOK),
			admin.get("/admin/deliveries/" + did).status(http.StatusOK),
			c.get("/endpoints/"+id+"/deliveries/"+did+"?part=row", htmx("")).status(http.StatusOK),
		} {
			if got := p.has(`[data-testid="test-badge"]`); got != want {
				t.Errorf("delivery %s: Test badge %v, want %v", did, got, want)
			}
		}
	}
	// The API's test event is the spec's example, as api.md says; the
	// dashboard's says it is a test in its ids.
	if body := deliveryPayload(t, app, api.DeliveryID); !strings.Contains(body, `"recordingId":"cmokuzps0000355mi4lufpka"`) {
		t.Errorf("API test event body %s", body)
	}
	if body := deliveryPayload(t, app, dash); !strings.Contains(body, `"commentId":"`+webhook.TestCommentIDPrefix) {
		t.Errorf("dashboard test event body %s", body)
	}
}

// deliveryPayload is the exact body stored for a delivery.
func deliveryPayload(t *testing.T, app *testapp.App, id string) string {
	t.Helper()
	var d struct{ Payload string }
	app.MustAPI(t, http.StatusOK, "GET", "/api/v1/deliveries/"+id, nil, &d)
	return d.Payload
}

// TestTestEventNULInData: a NUL escaped in the JSON is data like any
// other (the body carries it escaped); it is left out only of the column
// the search by recording id reads, which cannot hold it.
func TestTestEventNULInData(t *testing.T) {
	t.Parallel()
	app, c, uid, id := testEventSetup(t, "nul@example.com")
	var m map[string]any
	_ = json.Unmarshal(webhook.TestEventData(webhook.EventRecordingFailed, uid), &m)
	m["recordingId"], m["errorMessage"] = "rec_test_\x00", "a\x00b"
	data, _ := json.Marshal(m)
	p := c.post("/endpoints/"+id+"/test", url.Values{"event": {webhook.EventRecordingFailed}, "data": {string(data)}}, htmx("drawer")).status(http.StatusOK)
	did := attr(p.all(`[data-testid="delivery-row"]`)[0], "data-delivery-id")
	if body := deliveryPayload(t, app, did); !strings.Contains(body, `"recordingId":"rec_test_\u0000"`) {
		t.Fatalf("payload %s", body)
	}
}

// TestEventCatalogue: the catalogue, in the nav, shows every event type
// with its meaning, the contract table's fields and the very example the
// test-event form starts from; the form links to each type's section.
func TestEventCatalogue(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	if p := c.get("/events").status(http.StatusSeeOther); !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Fatalf("signed out: to %q", p.Header.Get("Location"))
	}
	c.signUp("catalogue@example.com")
	id := c.createEndpoint("http://127.0.0.1:9/hook", "")

	p := c.get("/events").status(http.StatusOK)
	if nav := p.one(`[data-testid="nav-events"]`); attr(nav, "href") != "/events" || !hasAttr(nav, "aria-current") {
		t.Fatalf("nav link %v", nav.Attr)
	}
	var envelope []string
	for _, row := range p.all(`[data-testid="catalogue-envelope"] [data-testid="schema-field"]`) {
		envelope = append(envelope, attr(row, "data-path"))
	}
	if strings.Join(envelope, " ") != "event deliveryId occurredAt data" {
		t.Fatalf("envelope %v", envelope)
	}
	sections := p.all(`[data-testid="catalogue-event"]`)
	docs := webhook.Catalogue()
	if len(sections) != len(docs) {
		t.Fatalf("%d sections, want %d", len(sections), len(docs))
	}
	for i, doc := range docs {
		sec := sections[i]
		if attr(sec, "data-event") != doc.Type || attr(sec, "id") != "event-"+strings.ReplaceAll(doc.Type, ".", "-") {
			t.Fatalf("section %d: %v", i, sec.Attr)
		}
		if got := textOf(cascadiaOne(sec, `[data-testid="catalogue-meaning"]`)); got != doc.Meaning {
			t.Errorf("%s: meaning %q", doc.Type, got)
		}
		rows := cascadia.QueryAll(sec, cascadia.MustCompile(`[data-testid="schema-field"]`))
		if len(rows) != len(doc.Fields) {
			t.Fatalf("%s: %d schema rows, want %d", doc.Type, len(rows), len(doc.Fields))
		}
		for k, f := range doc.Fields {
			cells := cascadia.QueryAll(rows[k], cascadia.MustCompile("td"))
			if attr(rows[k], "data-path") != f.Path || textOf(cells[1]) != f.Type || textOf(cells[2]) != f.Rule {
				t.Errorf("%s: row %d %q %q %q, want %+v", doc.Type, k, attr(rows[k], "data-path"), textOf(cells[1]), textOf(cells[2]), f)
			}
		}
		// The same example the form starts from, character for character.
		example := rawText(cascadiaOne(sec, `[data-testid="catalogue-example"]`))
		form := prefilled(c.get("/endpoints/"+id+"?event="+doc.Type, htmx("test-event-data-field")).status(http.StatusOK))
		if example != form {
			t.Errorf("%s: catalogue example\n%s\nform\n%s", doc.Type, example, form)
		}
		if !strings.Contains(example, `"recordingId": "`+webhook.TestRecordingIDPrefix) {
			t.Errorf("%s: example without a test recording id:\n%s", doc.Type, example)
		}
	}
}
