package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// Helpers shared by the API tests of this package. They talk to a real
// server (testapp) over HTTP and check what a client would see.

// apiResult is one API answer as a client sees it.
type apiResult struct {
	Status int
	Header http.Header
	Body   []byte
}

// apiCall sends a request to the app. body is nil, a string sent as is, or a
// value sent as JSON. header may set or (with an empty value) remove headers;
// the bearer token is sent unless header overrides Authorization.
func apiCall(t *testing.T, app *testapp.App, method, path string, body any, header map[string]string) apiResult {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, app.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testapp.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := app.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return apiResult{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// apiMust is apiCall that fails unless the status is want; it checks the
// answer is JSON and decodes it into v when v is not nil.
func apiMust(t *testing.T, app *testapp.App, want int, method, path string, body, v any) apiResult {
	t.Helper()
	res := apiCall(t, app, method, path, body, nil)
	if res.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.Status, want, res.Body)
	}
	if want == http.StatusNoContent {
		return res
	}
	apiWantJSON(t, res)
	if v != nil {
		if err := json.Unmarshal(res.Body, v); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, res.Body, err)
		}
	}
	return res
}

func apiWantJSON(t *testing.T, res apiResult) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

// apiWantError checks an error answer: the status, the contract's body
// {"error":{"code","message","fields"?}} and nothing else, a JSON content
// type, and (for validation errors) exactly the given field keys.
func apiWantError(t *testing.T, res apiResult, status int, code string, fields ...string) map[string]string {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	apiWantJSON(t, res)
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(res.Body, &outer); err != nil {
		t.Fatalf("error body is not a JSON object: %v: %s", err, res.Body)
	}
	if len(outer) != 1 || outer["error"] == nil {
		t.Fatalf("error body must be exactly {\"error\": {...}}: %s", res.Body)
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(outer["error"], &inner); err != nil {
		t.Fatalf("error member is not an object: %s", res.Body)
	}
	for k := range inner {
		if k != "code" && k != "message" && k != "fields" {
			t.Errorf("unexpected key %q in error: %s", k, res.Body)
		}
	}
	var e struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	}
	if err := json.Unmarshal(outer["error"], &e); err != nil {
		t.Fatalf("error member has the wrong types: %v: %s", err, res.Body)
	}
	if e.Code != code {
		t.Errorf("error code %q, want %q: %s", e.Code, code, res.Body)
	}
	if e.Message == "" {
		t.Errorf("error message is empty: %s", res.Body)
	}
	if strings.Contains(e.Message, "goroutine ") || strings.Contains(e.Message, ".go:") {
		t.Errorf("error message leaks internals: %s", e.Message)
	}
	_, hasFields := inner["fields"]
	switch {
	case len(fields) == 0 && hasFields:
		t.Errorf("fields present on a %d answer: %s", status, res.Body)
	case len(fields) > 0:
		got := slices.Sorted(maps.Keys(e.Fields))
		want := slices.Sorted(slices.Values(fields))
		if !slices.Equal(got, want) {
			t.Errorf("fields %v, want keys %v: %s", e.Fields, want, res.Body)
		}
		for k, msg := range e.Fields {
			if msg == "" {
				t.Errorf("field %q has an empty message", k)
			}
		}
	}
	return e.Fields
}

// apiKeys returns the sorted keys of a JSON object.
func apiKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, raw)
	}
	return slices.Sorted(maps.Keys(m))
}

var (
	apiTimeRE       = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	apiUserIDRE     = regexp.MustCompile(`^user_[0-9A-Za-z]{16}$`)
	apiEndpointIDRE = regexp.MustCompile(`^ep_[0-9A-Za-z]{16}$`)
	apiSecretRE     = regexp.MustCompile(`^whsec_[0-9A-Za-z+/]{43}=$`) // the standard base64 of 32 bytes
)

// apiWantTime checks a contract time (RFC 3339 UTC, exactly milliseconds)
// that should be close to now, and returns it.
func apiWantTime(t *testing.T, name, s string) time.Time {
	t.Helper()
	if !apiTimeRE.MatchString(s) {
		t.Fatalf("%s = %q, want RFC 3339 UTC with 3 fractional digits like 2026-04-30T22:00:14.512Z", name, s)
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s = %q: %v", name, s, err)
	}
	if d := time.Since(at); d < -time.Minute || d > time.Minute {
		t.Errorf("%s = %s, %s away from now", name, s, d)
	}
	return at
}

// apiUser is the contract's User object.
type apiUser struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Admin     bool   `json:"admin"`
	CreatedAt string `json:"createdAt"`
}

// apiEndpoint is the contract's Endpoint object (Secret only on create).
type apiEndpoint struct {
	ID             string   `json:"id"`
	UserID         string   `json:"userId"`
	URL            string   `json:"url"`
	Description    string   `json:"description"`
	Events         []string `json:"events"`
	Enabled        bool     `json:"enabled"`
	DisabledReason *string  `json:"disabledReason"`
	CreatedAt      string   `json:"createdAt"`
	UpdatedAt      string   `json:"updatedAt"`
	Secret         string   `json:"secret"`
	// SecretActivatesAt and StandardWebhooks: additions in this release.
	SecretActivatesAt *string `json:"secretActivatesAt"`
	StandardWebhooks  bool    `json:"standardWebhooks"`
}

var (
	apiUserKeys     = []string{"admin", "createdAt", "email", "id", "name"}
	apiEndpointKeys = []string{"createdAt", "description", "disabledReason", "enabled", "events", "id", "secretActivatesAt", "standardWebhooks", "updatedAt", "url", "userId"}
)

// apiNewUser creates a user and returns it.
func apiNewUser(t *testing.T, app *testapp.App, email string) apiUser {
	t.Helper()
	var u apiUser
	apiMust(t, app, http.StatusCreated, "POST", "/api/v1/users", map[string]any{"email": email}, &u)
	return u
}

// apiNewEndpoint creates an endpoint with the given body and returns it.
func apiNewEndpoint(t *testing.T, app *testapp.App, userID string, body map[string]any) apiEndpoint {
	t.Helper()
	var ep apiEndpoint
	apiMust(t, app, http.StatusCreated, "POST", "/api/v1/users/"+userID+"/endpoints", body, &ep)
	return ep
}
