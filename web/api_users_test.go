package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

func TestAPIUserCreate(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	tests := []struct {
		name      string
		body      any
		wantID    string // empty: a generated user_ id
		wantEmail string
		wantName  string
	}{
		{name: "email only", body: map[string]any{"email": "only@example.com"}, wantEmail: "only@example.com"},
		{name: "with name", body: map[string]any{"email": "named@example.com", "name": "Jamie Doe"}, wantEmail: "named@example.com", wantName: "Jamie Doe"},
		{name: "custom id", body: map[string]any{"email": "custom@example.com", "id": "user_backend-42_x"}, wantID: "user_backend-42_x", wantEmail: "custom@example.com"},
		{name: "null id is generated", body: `{"email":"nullid@example.com","id":null}`, wantEmail: "nullid@example.com"},
		{name: "spaces around email and name trimmed", body: map[string]any{"email": "  spaced@example.com ", "name": " Sam "}, wantEmail: "spaced@example.com", wantName: "Sam"},
		{name: "mixed case email kept", body: map[string]any{"email": "Mixed.Case@Example.com"}, wantEmail: "Mixed.Case@Example.com"},
		{name: "name of 200 accented characters", body: map[string]any{"email": "long@example.com", "name": strings.Repeat("é", 200)}, wantEmail: "long@example.com", wantName: strings.Repeat("é", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var u apiUser
			res := apiMust(t, app, http.StatusCreated, "POST", "/api/v1/users", tt.body, &u)
			if got := apiKeys(t, res.Body); !slices.Equal(got, apiUserKeys) {
				t.Errorf("user keys %v, want %v", got, apiUserKeys)
			}
			if tt.wantID != "" && u.ID != tt.wantID {
				t.Errorf("id %q, want %q", u.ID, tt.wantID)
			}
			if tt.wantID == "" && !apiUserIDRE.MatchString(u.ID) {
				t.Errorf("id %q, want user_ and 16 base62 characters", u.ID)
			}
			if u.Email != tt.wantEmail || u.Name != tt.wantName || u.Admin {
				t.Errorf("got %+v, want email %q name %q admin false", u, tt.wantEmail, tt.wantName)
			}
			apiWantTime(t, "createdAt", u.CreatedAt)

			// GET answers the same object.
			got := apiMust(t, app, http.StatusOK, "GET", "/api/v1/users/"+u.ID, nil, nil)
			if !jsonEqual(t, got.Body, res.Body) {
				t.Errorf("GET %s = %s, POST answered %s", u.ID, got.Body, res.Body)
			}
		})
	}
}

func TestAPIUserCreateRejects(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	tests := []struct {
		name   string
		body   any
		status int
		code   string
		fields []string
	}{
		{name: "malformed JSON", body: `{"email": "a@example.com"`, status: 400, code: "bad_request"},
		{name: "not JSON", body: `email=a@example.com`, status: 400, code: "bad_request"},
		{name: "empty body", body: ``, status: 400, code: "bad_request"},
		{name: "array instead of object", body: `[{"email":"a@example.com"}]`, status: 400, code: "bad_request"},
		{name: "two objects", body: `{"email":"a@example.com"}{"email":"b@example.com"}`, status: 400, code: "bad_request"},
		{name: "unknown field", body: `{"email":"a@example.com","nickname":"al"}`, status: 422, code: "validation_failed", fields: []string{"nickname"}},
		{name: "admin is not settable through the API", body: `{"email":"a@example.com","admin":true}`, status: 422, code: "validation_failed", fields: []string{"admin"}},
		{name: "missing email", body: `{"name":"Al"}`, status: 422, code: "validation_failed", fields: []string{"email"}},
		{name: "empty email", body: `{"email":""}`, status: 422, code: "validation_failed", fields: []string{"email"}},
		{name: "email without at", body: `{"email":"not-an-email"}`, status: 422, code: "validation_failed", fields: []string{"email"}},
		{name: "email with display name", body: `{"email":"Al <al@example.com>"}`, status: 422, code: "validation_failed", fields: []string{"email"}},
		{name: "email too long", body: `{"email":"` + strings.Repeat("a", 250) + `@example.com"}`, status: 422, code: "validation_failed", fields: []string{"email"}},
		{name: "email is a number", body: `{"email":42}`, status: 422, code: "validation_failed", fields: []string{"email"}},
		{name: "name is an object", body: `{"email":"a@example.com","name":{"first":"Al"}}`, status: 422, code: "validation_failed", fields: []string{"name"}},
		{name: "name too long", body: map[string]any{"email": "a@example.com", "name": strings.Repeat("x", 201)}, status: 422, code: "validation_failed", fields: []string{"name"}},
		{name: "name with NUL", body: `{"email":"a@example.com","name":"Al\u0000"}`, status: 422, code: "validation_failed", fields: []string{"name"}},
		{name: "id without user_ prefix", body: `{"email":"a@example.com","id":"usr_123"}`, status: 422, code: "validation_failed", fields: []string{"id"}},
		{name: "id only the prefix", body: `{"email":"a@example.com","id":"user_"}`, status: 422, code: "validation_failed", fields: []string{"id"}},
		{name: "id with a slash", body: `{"email":"a@example.com","id":"user_a/b"}`, status: 422, code: "validation_failed", fields: []string{"id"}},
		{name: "id is a number", body: `{"email":"a@example.com","id":7}`, status: 422, code: "validation_failed", fields: []string{"id"}},
		{name: "every field bad at once", body: map[string]any{"email": "nope", "name": strings.Repeat("x", 201), "id": "nope"}, status: 422, code: "validation_failed", fields: []string{"email", "name", "id"}},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				res := apiCall(t, app, "POST", "/api/v1/users", tt.body, nil)
				apiWantError(t, res, tt.status, tt.code, tt.fields...)
			})
		}
	})
	// Nothing was created by any of them.
	var n int
	if err := app.Pool.QueryRow(t.Context(), "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d users exist after only rejected requests", n)
	}
}

func TestAPIUserConflicts(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	var first apiUser
	apiMust(t, app, http.StatusCreated, "POST", "/api/v1/users",
		map[string]any{"email": "taken@example.com", "name": "First", "id": "user_taken"}, &first)

	tests := []struct {
		name string
		body map[string]any
	}{
		{name: "same email", body: map[string]any{"email": "taken@example.com"}},
		{name: "same email in another case", body: map[string]any{"email": "TAKEN@Example.COM"}},
		{name: "same id", body: map[string]any{"email": "other@example.com", "id": "user_taken"}},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				apiWantError(t, apiCall(t, app, "POST", "/api/v1/users", tt.body, nil), http.StatusConflict, "conflict")
			})
		}
	})
	// The first user is untouched, and no other was made.
	var u apiUser
	apiMust(t, app, http.StatusOK, "GET", "/api/v1/users/user_taken", nil, &u)
	if u != first {
		t.Errorf("first user changed: %+v, was %+v", u, first)
	}
	var n int
	if err := app.Pool.QueryRow(t.Context(), "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}

func TestAPIUserGetUnknown(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	apiNewUser(t, app, "someone@example.com")
	tests := []struct {
		name string
		path string
	}{
		{name: "well-formed unknown id", path: "/api/v1/users/user_0000000000000000"},
		{name: "not a user id", path: "/api/v1/users/ep_0000000000000000"},
		{name: "NUL byte", path: "/api/v1/users/user_%00"},
		{name: "invalid UTF-8", path: "/api/v1/users/user_%FF%FE"},
		{name: "very long id", path: "/api/v1/users/user_" + strings.Repeat("a", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			apiWantError(t, apiCall(t, app, "GET", tt.path, nil, nil), http.StatusNotFound, "not_found")
		})
	}
}

// jsonEqual reports whether two JSON documents hold the same value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%v: %s", err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	ra, _ := json.Marshal(va)
	rb, _ := json.Marshal(vb)
	return string(ra) == string(rb)
}
