package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// apiRoutes is every route of api.md, with ids that need not exist: the
// token is checked before anything else.
var apiRoutes = []struct{ method, path string }{
	{"POST", "/api/v1/users"},
	{"GET", "/api/v1/users/user_0000000000000000"},
	{"POST", "/api/v1/users/user_0000000000000000/endpoints"},
	{"GET", "/api/v1/users/user_0000000000000000/endpoints"},
	{"GET", "/api/v1/endpoints/ep_0000000000000000"},
	{"PATCH", "/api/v1/endpoints/ep_0000000000000000"},
	{"DELETE", "/api/v1/endpoints/ep_0000000000000000"},
	{"POST", "/api/v1/endpoints/ep_0000000000000000/secret/reveal"},
	{"POST", "/api/v1/endpoints/ep_0000000000000000/secret/rotate"},
	{"POST", "/api/v1/endpoints/ep_0000000000000000/test"},
	{"POST", "/api/v1/events"},
	{"GET", "/api/v1/deliveries"},
	{"GET", "/api/v1/deliveries/del_0000000000000000"},
	{"POST", "/api/v1/deliveries/del_0000000000000000/retry"},
	{"GET", "/api/v1/no-such-route"},
}

func TestAPIRequiresToken(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	tokens := []struct {
		name          string
		authorization string // empty: no header
	}{
		{name: "no header", authorization: ""},
		{name: "wrong token", authorization: "Bearer not-the-token"},
		{name: "token with a suffix", authorization: "Bearer " + testapp.Token + "x"},
		{name: "token prefix", authorization: "Bearer " + testapp.Token[:4]},
		{name: "empty bearer", authorization: "Bearer "},
		{name: "token without scheme", authorization: testapp.Token},
		{name: "basic scheme", authorization: "Basic " + testapp.Token},
	}
	for _, tok := range tokens {
		for _, rt := range apiRoutes {
			t.Run(tok.name+"/"+rt.method+" "+rt.path, func(t *testing.T) {
				t.Parallel()
				res := apiCall(t, app, rt.method, rt.path, `{}`, map[string]string{"Authorization": tok.authorization})
				apiWantError(t, res, http.StatusUnauthorized, "unauthorized")
				if res.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			})
		}
	}
	t.Run("lowercase scheme is accepted", func(t *testing.T) {
		t.Parallel()
		// RFC 9110 §11.1: the authentication scheme is case-insensitive.
		res := apiCall(t, app, "GET", "/api/v1/users/user_0000000000000000", nil, map[string]string{"Authorization": "bearer " + testapp.Token})
		apiWantError(t, res, http.StatusNotFound, "not_found")
	})
}

func TestAPIDisabledWithoutToken(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_API_TOKEN": ""}})
	for _, auth := range []string{"", "Bearer " + testapp.Token, "Bearer "} {
		for _, rt := range apiRoutes {
			t.Run(auth+"/"+rt.method+" "+rt.path, func(t *testing.T) {
				t.Parallel()
				res := apiCall(t, app, rt.method, rt.path, `{"email":"a@example.com"}`, map[string]string{"Authorization": auth})
				apiWantError(t, res, http.StatusServiceUnavailable, "api_disabled")
			})
		}
	}
	t.Run("health checks still answer", func(t *testing.T) {
		t.Parallel()
		for _, p := range []string{"/healthz", "/readyz"} {
			res := apiCall(t, app, "GET", p, nil, nil)
			if res.Status != http.StatusOK {
				t.Errorf("GET %s = %d: %s", p, res.Status, res.Body)
			}
		}
	})
}

func TestAPIBodyLimit(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := apiNewUser(t, app, "owner@example.com")
	ep := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/hook", "events": apiAllEvents})
	const mib = 1 << 20
	// pad makes a valid JSON object of exactly n bytes around body's fields.
	pad := func(fields string, n int) []byte {
		b := []byte(`{` + fields + `}`)
		return append(b[:len(b)-1], append(bytes.Repeat([]byte(" "), n-len(b)), '}')...)
	}
	tests := []struct {
		name   string
		method string
		path   string
		fields string
		size   int
		want   int
	}{
		{name: "user over 1 MiB", method: "POST", path: "/api/v1/users", fields: `"email":"big@example.com"`, size: mib + 1, want: 413},
		{name: "user of 5 MiB", method: "POST", path: "/api/v1/users", fields: `"email":"huge@example.com"`, size: 5 * mib, want: 413},
		{name: "user of exactly 1 MiB", method: "POST", path: "/api/v1/users", fields: `"email":"fits@example.com"`, size: mib, want: 201},
		{name: "endpoint over 1 MiB", method: "POST", path: "/api/v1/users/" + user.ID + "/endpoints", fields: `"url":"https://93.184.215.14/","events":["comment.added"]`, size: mib + 1, want: 413},
		{name: "endpoint of exactly 1 MiB", method: "POST", path: "/api/v1/users/" + user.ID + "/endpoints", fields: `"url":"https://93.184.215.14/","events":["comment.added"]`, size: mib, want: 201},
		{name: "patch over 1 MiB", method: "PATCH", path: "/api/v1/endpoints/" + ep.ID, fields: `"description":"big"`, size: mib + 1, want: 413},
		{name: "description of 2 MiB", method: "PATCH", path: "/api/v1/endpoints/" + ep.ID, fields: `"description":"` + strings.Repeat("d", 2*mib) + `"`, size: 2*mib + 20, want: 413},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				body := pad(tt.fields, tt.size)
				if len(body) != tt.size {
					t.Fatalf("body is %d bytes, want %d", len(body), tt.size)
				}
				res := apiCall(t, app, tt.method, tt.path, body, nil)
				if tt.want == 413 {
					apiWantError(t, res, http.StatusRequestEntityTooLarge, "too_large")
				} else if res.Status != tt.want {
					t.Fatalf("status %d, want %d: %s", res.Status, tt.want, res.Body)
				}
			})
		}
	})
	var got apiEndpoint
	apiMust(t, app, http.StatusOK, "GET", "/api/v1/endpoints/"+ep.ID, nil, &got)
	if got.Description != "" {
		t.Errorf("a rejected patch changed the description to %.20q", got.Description)
	}
}

func TestAPIUnknownRoute(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	tests := []struct{ name, method, path string }{
		{name: "unknown path", method: "GET", path: "/api/v1/nothing"},
		{name: "old version", method: "GET", path: "/api/v0/users/user_0000000000000000"},
		{name: "wrong method", method: "PUT", path: "/api/v1/users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := apiCall(t, app, tt.method, tt.path, nil, nil)
			if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			apiWantError(t, res, res.Status, map[int]string{404: "not_found", 405: "method_not_allowed"}[res.Status])
		})
	}
	t.Run("query value with NUL", func(t *testing.T) {
		t.Parallel()
		apiWantError(t, apiCall(t, app, "GET", "/api/v1/deliveries?userId=user_%00", nil, nil), http.StatusBadRequest, "bad_request")
	})
}
