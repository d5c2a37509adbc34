package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// apiError is the contract's error body.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// exampleWith returns the spec example's data for event after change has
// edited it (key order is lost, which validation does not care about).
func exampleWith(t *testing.T, event string, change func(m map[string]any)) json.RawMessage {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(loadExample(t, event).Data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	change(m)
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func count(t *testing.T, app *testapp.App, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := app.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPublishValidation: every bad request is refused with one field
// error per bad field, keyed by JSON path, and stores nothing.
func TestPublishValidation(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	app.MustAPI(t, http.StatusCreated, "POST", "/api/v1/users", map[string]any{"email": "jamie@example.com", "id": sampleUser}, nil)
	app.NewEndpoint(t, sampleUser, "http://127.0.0.1:9/hook")
	completed, failed, comment := webhook.EventRecordingCompleted, webhook.EventRecordingFailed, webhook.EventCommentAdded
	good := func(event string) json.RawMessage { return loadExample(t, event).Data }
	edit := func(event string, change func(map[string]any)) json.RawMessage { return exampleWith(t, event, change) }

	tests := []struct {
		name       string
		body       any // a map, or a string sent as is
		header     map[string]string
		wantStatus int
		wantFields []string
	}{
		{name: "no event", body: map[string]any{"data": good(completed)}, wantStatus: 422, wantFields: []string{"event"}},
		{name: "unknown event", body: map[string]any{"event": "recording.deleted", "data": good(completed)}, wantStatus: 422, wantFields: []string{"event"}},
		{name: "no data", body: map[string]any{"event": completed}, wantStatus: 422, wantFields: []string{"data"}},
		{name: "null data", body: `{"event":"recording.completed","data":null}`, wantStatus: 422, wantFields: []string{"data"}},
		{name: "data not an object", body: `{"event":"recording.completed","data":[1]}`, wantStatus: 422, wantFields: []string{"data"}},
		{
			name:       "missing title",
			body:       map[string]any{"event": completed, "data": edit(completed, func(m map[string]any) { delete(m, "title") })},
			wantStatus: 422, wantFields: []string{"data.title"},
		},
		{
			name:       "null title where the schema has none",
			body:       map[string]any{"event": completed, "data": edit(completed, func(m map[string]any) { m["title"] = nil })},
			wantStatus: 422, wantFields: []string{"data.title"},
		},
		{
			name:       "durationSec as a string",
			body:       map[string]any{"event": completed, "data": edit(completed, func(m map[string]any) { m["durationSec"] = "412" })},
			wantStatus: 422, wantFields: []string{"data.durationSec"},
		},
		{
			name:       "extra field",
			body:       map[string]any{"event": failed, "data": edit(failed, func(m map[string]any) { m["extra"] = 1 })},
			wantStatus: 422, wantFields: []string{"data.extra"},
		},
		{
			name: "nested field",
			body: map[string]any{"event": completed, "data": edit(completed, func(m map[string]any) {
				m["counts"].(map[string]any)["frames"] = -1
			})},
			wantStatus: 422, wantFields: []string{"data.counts.frames"},
		},
		{
			name: "one entry per bad field",
			body: map[string]any{"event": completed, "data": edit(completed, func(m map[string]any) {
				delete(m, "title")
				m["starred"] = "no"
				m["tags"] = []any{"ops", 7}
				m["links"].(map[string]any)["shareUrl"] = 3
			})},
			wantStatus: 422, wantFields: []string{"data.links.shareUrl", "data.starred", "data.tags[1]", "data.title"},
		},
		{
			name:       "bad occurredAt",
			body:       map[string]any{"event": failed, "data": good(failed), "occurredAt": "yesterday"},
			wantStatus: 422, wantFields: []string{"occurredAt"},
		},
		{name: "unknown top-level field", body: map[string]any{"event": failed, "data": good(failed), "when": "now"}, wantStatus: 422, wantFields: []string{"when"}},
		{name: "comment.added needs userId", body: map[string]any{"event": comment, "data": good(comment)}, wantStatus: 422, wantFields: []string{"userId"}},
		{
			name:       "userId other than data.userId",
			body:       map[string]any{"event": completed, "data": good(completed), "userId": "user_someoneElse"},
			wantStatus: 422, wantFields: []string{"userId"},
		},
		{name: "empty userId", body: map[string]any{"event": comment, "data": good(comment), "userId": ""}, wantStatus: 422, wantFields: []string{"userId"}},
		{
			name:       "idempotency key too long",
			body:       map[string]any{"event": failed, "data": good(failed)},
			header:     map[string]string{"Idempotency-Key": strings.Repeat("k", 256)},
			wantStatus: 422, wantFields: []string{"Idempotency-Key"},
		},
		{name: "malformed JSON", body: `{"event":`, wantStatus: 400},
		{
			name:       "unknown owner through data.userId",
			body:       map[string]any{"event": completed, "data": edit(completed, func(m map[string]any) { m["userId"] = "user_nobody" })},
			wantStatus: 404,
		},
		{name: "unknown owner through userId", body: map[string]any{"event": comment, "data": good(comment), "userId": "user_nobody"}, wantStatus: 404},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				code, body := post(t, app, "/api/v1/events", tt.body, tt.header)
				if code != tt.wantStatus {
					t.Fatalf("status %d %s, want %d", code, body, tt.wantStatus)
				}
				var e apiError
				if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
					t.Fatalf("error body %s is not the contract's error", body)
				}
				if got := slices.Sorted(maps.Keys(e.Error.Fields)); !slices.Equal(got, tt.wantFields) {
					t.Errorf("fields %v, want %v", e.Error.Fields, tt.wantFields)
				}
			})
		}
	})
	if n := count(t, app, "SELECT count(*) FROM events") + count(t, app, "SELECT count(*) FROM deliveries"); n != 0 {
		t.Errorf("refused publishes stored %d rows", n)
	}
}

// post sends body (a string as is, anything else as JSON) with the token.
func post(t *testing.T, app *testapp.App, path string, body any, header map[string]string) (int, []byte) {
	t.Helper()
	raw, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		raw = string(b)
	}
	req, err := http.NewRequest("POST", app.URL+path, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testapp.Token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := app.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

type publishAnswer struct {
	EventID    string `json:"eventId"`
	Deliveries []struct {
		ID         string `json:"id"`
		EndpointID string `json:"endpointId"`
	} `json:"deliveries"`
}

func (p publishAnswer) endpoints() []string {
	var out []string
	for _, d := range p.Deliveries {
		out = append(out, d.EndpointID)
	}
	slices.Sort(out)
	return out
}

// TestPublishRouting: an event goes to every enabled endpoint of its owner
// that subscribes to its type, one delivery each, and to no other.
func TestPublishRouting(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	owner, other, lonely := app.NewUser(t, "owner@example.com"), app.NewUser(t, "other@example.com"), app.NewUser(t, "lonely@example.com")
	url := "http://127.0.0.1:9/hook"
	completedOnly := app.NewEndpoint(t, owner, url, "recording.completed")
	commentOnly := app.NewEndpoint(t, owner, url, "comment.added")
	all := app.NewEndpoint(t, owner, url)
	var disabled testapp.Endpoint
	app.MustAPI(t, http.StatusCreated, "POST", "/api/v1/users/"+owner+"/endpoints",
		map[string]any{"url": url, "events": webhook.EventTypes, "enabled": false}, &disabled)
	deleted := app.NewEndpoint(t, owner, url)
	app.MustAPI(t, http.StatusNoContent, "DELETE", "/api/v1/endpoints/"+deleted.ID, nil, nil)
	app.NewEndpoint(t, other, url) // another user's, subscribed to everything

	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	tests := []struct {
		name string
		body map[string]any
		want []string
	}{
		{
			name: "recording.completed, owner from data.userId",
			body: map[string]any{"event": "recording.completed", "data": webhook.SampleData("recording.completed", owner)},
			want: sorted(completedOnly.ID, all.ID),
		},
		{
			name: "recording.failed, userId equal to data.userId",
			body: map[string]any{"event": "recording.failed", "userId": owner, "data": webhook.SampleData("recording.failed", owner)},
			want: sorted(all.ID),
		},
		{
			name: "comment.added",
			body: map[string]any{"event": "comment.added", "userId": owner, "data": webhook.SampleData("comment.added", "")},
			want: sorted(commentOnly.ID, all.ID),
		},
		{
			name: "a user without endpoints",
			body: map[string]any{"event": "comment.added", "userId": lonely, "data": webhook.SampleData("comment.added", "")},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, raw := post(t, app, "/api/v1/events", tt.body, nil)
			var out publishAnswer
			if code != http.StatusAccepted || json.Unmarshal(raw, &out) != nil {
				t.Fatalf("publish: %d %s", code, raw)
			}
			if got := out.endpoints(); !slices.Equal(got, tt.want) {
				t.Errorf("delivered to %v, want %v", got, tt.want)
			}
			if tt.want == nil && !bytes.Contains(raw, []byte(`"deliveries":[]`)) {
				t.Errorf("answer %s, want an empty deliveries array", raw)
			}
			if !webhook.ValidID("evt_", out.EventID) {
				t.Errorf("eventId %q", out.EventID)
			}
			if n := count(t, app, "SELECT count(*) FROM events WHERE id = $1", out.EventID); n != 1 {
				t.Errorf("%d events stored with id %s", n, out.EventID)
			}
			if n := count(t, app, "SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.event_id = $1 AND e.body_head IS NOT NULL", out.EventID); n != len(tt.want) {
				t.Errorf("%d deliveries with a body stored, want %d", n, len(tt.want))
			}
			for _, d := range out.Deliveries {
				got := app.Delivery(t, d.ID)
				if got.EndpointID != d.EndpointID || got.Event != tt.body["event"] || got.Status != "pending" || got.Payload == nil {
					t.Errorf("delivery %s = %+v", d.ID, got)
				}
			}
		})
	}
}

// TestPublishIdempotency: the same Idempotency-Key with the same body
// answers as the first time and creates nothing, also when the requests
// race; with another body it is 409.
func TestPublishIdempotency(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := app.NewUser(t, "owner@example.com")
	app.NewEndpoint(t, user, "http://127.0.0.1:9/a")
	app.NewEndpoint(t, user, "http://127.0.0.1:9/b")
	body := map[string]any{"event": "comment.added", "userId": user, "data": webhook.SampleData("comment.added", "")}
	key := map[string]string{"Idempotency-Key": "order-1234"}

	code, first := post(t, app, "/api/v1/events", body, key)
	if code != http.StatusAccepted {
		t.Fatalf("first publish: %d %s", code, first)
	}
	rows := func() int {
		return count(t, app, "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM delivery_queue)")
	}
	before := rows()
	if before != 5 {
		t.Fatalf("first publish stored %d rows, want 1 event + 2 deliveries + 2 queue rows", before)
	}
	code, again := post(t, app, "/api/v1/events", body, key)
	if code != http.StatusAccepted || !bytes.Equal(again, first) {
		t.Errorf("replay: %d %s, want 202 %s", code, again, first)
	}
	if n := rows(); n != before {
		t.Errorf("replay stored %d more rows", n-before)
	}

	other := maps.Clone(body)
	other["occurredAt"] = "2026-04-30T22:04:51.831Z"
	code, raw := post(t, app, "/api/v1/events", other, key)
	var e apiError
	_ = json.Unmarshal(raw, &e)
	if code != http.StatusConflict || e.Error.Code != "idempotency_key_reused" {
		t.Errorf("same key, other body: %d %s, want 409 idempotency_key_reused", code, raw)
	}
	if code, raw := post(t, app, "/api/v1/events", body, map[string]string{"Idempotency-Key": "order-5678"}); code != http.StatusAccepted || bytes.Equal(raw, first) {
		t.Errorf("another key: %d %s, want a new event", code, raw)
	}
	if n := rows(); n != before+5 {
		t.Errorf("%d rows after a second key, want %d", n, before+5)
	}

	// Eight identical requests at once: one event, eight identical answers.
	raced := map[string]string{"Idempotency-Key": "order-race"}
	var wg sync.WaitGroup
	answers := make([][]byte, 8)
	codes := make([]int, 8)
	for i := range answers {
		wg.Go(func() {
			raw, _ := json.Marshal(body)
			req, _ := http.NewRequest("POST", app.URL+"/api/v1/events", bytes.NewReader(raw))
			req.Header.Set("Authorization", "Bearer "+testapp.Token)
			req.Header.Set("Idempotency-Key", raced["Idempotency-Key"])
			resp, err := app.Client.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			codes[i] = resp.StatusCode
			answers[i], _ = io.ReadAll(resp.Body)
		})
	}
	wg.Wait()
	for i := range answers {
		if codes[i] != http.StatusAccepted || !bytes.Equal(answers[i], answers[0]) {
			t.Errorf("racing request %d: %d %s, want 202 %s", i, codes[i], answers[i], answers[0])
		}
	}
	if n := rows(); n != before+10 {
		t.Errorf("%d rows after eight racing requests, want %d (one more event)", n, before+10)
	}
}

// TestPublishAtomic: the event with its body, its deliveries and their
// queue rows are stored together or not at all. A trigger in this test's
// database makes storing the queue row of one delivery fail (one endpoint
// of three, the last part a publish writes); nothing of that publish
// remains.
func TestPublishAtomic(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	_, err := app.Pool.Exec(context.Background(), `
		CREATE FUNCTION fail_queue() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF EXISTS (SELECT 1 FROM endpoints WHERE id = NEW.endpoint_id AND url LIKE '%/fail%') THEN
				RAISE EXCEPTION 'injected failure';
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER fail_queue BEFORE INSERT ON delivery_queue FOR EACH ROW EXECUTE FUNCTION fail_queue();`)
	if err != nil {
		t.Fatal(err)
	}
	failing := app.NewUser(t, "failing@example.com")
	for _, path := range []string{"/hook", "/hook", "/fail"} {
		app.NewEndpoint(t, failing, "http://127.0.0.1:9"+path)
	}
	data := exampleWith(t, webhook.EventRecordingCompleted, func(m map[string]any) { m["userId"] = failing })
	for _, key := range []string{"", "atomic-1"} {
		code, raw := post(t, app, "/api/v1/events", map[string]any{"event": "recording.completed", "data": data}, map[string]string{"Idempotency-Key": key})
		if code != http.StatusInternalServerError {
			t.Fatalf("publish with a failing queue row (key %q): %d %s, want 500", key, code, raw)
		}
	}
	if n := count(t, app, "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM delivery_queue) + (SELECT count(*) FROM idempotency_keys)"); n != 0 {
		t.Errorf("a failed publish left %d rows behind", n)
	}
	user := app.NewUser(t, "owner@example.com")
	for range 3 {
		app.NewEndpoint(t, user, "http://127.0.0.1:9/hook")
	}
	ok := exampleWith(t, webhook.EventRecordingCompleted, func(m map[string]any) { m["userId"] = user })
	code, raw := post(t, app, "/api/v1/events", map[string]any{"event": "recording.completed", "data": ok}, nil)
	if code != http.StatusAccepted {
		t.Fatalf("publish: %d %s", code, raw)
	}
	if n := count(t, app, "SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id JOIN delivery_queue q ON q.delivery_id = d.id WHERE e.body_head IS NOT NULL"); n != 3 {
		t.Errorf("%d queued deliveries with a body, want 3", n)
	}
}
