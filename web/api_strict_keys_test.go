package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestAPIStrictKeys: keys must match the contract's names exactly and
// appear once; encoding/json alone would take "URL" for "url" and let a
// repeated key silently win.
func TestAPIStrictKeys(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := app.NewUser(t, "strict@example.com")
	tests := []struct {
		name, path, body, field, msg string
	}{
		{"wrong case", "/api/v1/users", `{"Email":"a@example.com"}`, "Email", "is not a known field"},
		{"repeated key", "/api/v1/users", `{"email":"a@example.com","email":"b@example.com"}`, "email", "appears more than once"},
		{"wrong case endpoint", "/api/v1/users/" + user + "/endpoints", `{"URL":"http://127.0.0.1:1/x","events":["comment.added"]}`, "URL", "is not a known field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, body := app.API(t, "POST", tc.path, tc.body)
			if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"`+tc.field+`":"`+tc.msg+`"`) {
				t.Fatalf("status %d body %s; want 422 with %s: %s", code, body, tc.field, tc.msg)
			}
		})
	}
}
