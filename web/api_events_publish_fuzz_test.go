package web_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// FuzzPublish sends arbitrary bodies to POST /api/v1/events on a real
// server and database: whatever the input, the answer is a 2xx or a 4xx
// with the error shape, never a 500 or a dropped connection.
func FuzzPublish(f *testing.F) {
	app := testapp.Start(f, testapp.Options{NoDispatcher: true})
	user := app.NewUser(f, "fuzz@example.com")
	app.NewEndpoint(f, user, "http://127.0.0.1:1/hook")
	for _, event := range webhook.EventTypes {
		body, _ := json.Marshal(map[string]any{"event": event, "userId": user, "data": json.RawMessage(webhook.SampleData(event, user))})
		f.Add(body)
	}
	for _, s := range []string{
		`{}`, `[]`, `null`, `{"event":"comment.added"}`, `{"event":"recording.completed","data":null}`,
		`{"event":"recording.completed","data":{"userId":"user_\u0000"}}`,
		`{"event":"recording.failed","data":{"title":1e999}}`, `{"event":"x","data":{},"occurredAt":"yesterday"}`,
		`{"event":"comment.added","userId":"` + user + `","data":{"timestampMs":-1}}`, `{"event":"comment.added","userId":""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code, out := app.API(t, "POST", "/api/v1/events", string(body))
		if code >= 500 {
			t.Fatalf("status %d for %q: %s", code, body, out)
		}
		if code >= 400 {
			var e struct {
				Error struct{ Code, Message string }
			}
			if json.Unmarshal(out, &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("status %d without the error shape: %s", code, out)
			}
		} else if code != http.StatusAccepted {
			t.Fatalf("status %d: %s", code, out)
		}
	})
}
