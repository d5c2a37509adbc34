package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

var apiAllEvents = []string{"recording.completed", "recording.failed", "comment.added"}

func TestAPIEndpointCreate(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := apiNewUser(t, app, "owner@example.com")
	tests := []struct {
		name            string
		body            map[string]any
		wantURL         string
		wantEvents      []string
		wantDescription string
		wantEnabled     bool
	}{
		{
			name:    "url and events only",
			body:    map[string]any{"url": "https://93.184.215.14/hook", "events": []string{"comment.added"}},
			wantURL: "https://93.184.215.14/hook", wantEvents: []string{"comment.added"}, wantEnabled: true,
		},
		{
			name:    "every field",
			body:    map[string]any{"url": "https://93.184.215.14/all", "events": apiAllEvents, "description": "Ops alerts ✓", "enabled": true},
			wantURL: "https://93.184.215.14/all", wantEvents: apiAllEvents, wantDescription: "Ops alerts ✓", wantEnabled: true,
		},
		{
			name:    "created disabled",
			body:    map[string]any{"url": "https://93.184.215.14/off", "events": []string{"recording.failed"}, "enabled": false},
			wantURL: "https://93.184.215.14/off", wantEvents: []string{"recording.failed"}, wantEnabled: false,
		},
		{
			name:    "events deduplicated in the documented order",
			body:    map[string]any{"url": "https://93.184.215.14/dup", "events": []string{"comment.added", "recording.completed", "comment.added"}},
			wantURL: "https://93.184.215.14/dup", wantEvents: []string{"recording.completed", "comment.added"}, wantEnabled: true,
		},
		{
			name:    "description of 500 characters",
			body:    map[string]any{"url": "https://93.184.215.14/long", "events": []string{"comment.added"}, "description": strings.Repeat("ü", 500)},
			wantURL: "https://93.184.215.14/long", wantEvents: []string{"comment.added"}, wantDescription: strings.Repeat("ü", 500), wantEnabled: true,
		},
		{
			name:    "http to loopback while private targets are allowed",
			body:    map[string]any{"url": "http://127.0.0.1:9000/hook", "events": []string{"comment.added"}},
			wantURL: "http://127.0.0.1:9000/hook", wantEvents: []string{"comment.added"}, wantEnabled: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ep apiEndpoint
			res := apiMust(t, app, http.StatusCreated, "POST", "/api/v1/users/"+user.ID+"/endpoints", tt.body, &ep)
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store (the answer holds the secret)", cc)
			}
			wantKeys := slices.Sorted(slices.Values(append(slices.Clone(apiEndpointKeys), "secret")))
			if got := apiKeys(t, res.Body); !slices.Equal(got, wantKeys) {
				t.Errorf("keys %v, want %v", got, wantKeys)
			}
			if !apiEndpointIDRE.MatchString(ep.ID) {
				t.Errorf("id %q, want ep_ and 16 base62 characters", ep.ID)
			}
			if !apiSecretRE.MatchString(ep.Secret) {
				t.Errorf("secret %q, want whsec_ and base62", ep.Secret)
			}
			if ep.UserID != user.ID || ep.URL != tt.wantURL || ep.Description != tt.wantDescription ||
				!slices.Equal(ep.Events, tt.wantEvents) || ep.Enabled != tt.wantEnabled {
				t.Errorf("got %+v, want url %q events %v description %q enabled %v",
					ep, tt.wantURL, tt.wantEvents, tt.wantDescription, tt.wantEnabled)
			}
			if ep.Enabled && ep.DisabledReason != nil {
				t.Errorf("enabled endpoint has disabledReason %q", *ep.DisabledReason)
			}
			created := apiWantTime(t, "createdAt", ep.CreatedAt)
			if updated := apiWantTime(t, "updatedAt", ep.UpdatedAt); updated.Before(created) {
				t.Errorf("updatedAt %s before createdAt %s", ep.UpdatedAt, ep.CreatedAt)
			}

			// GET answers the same endpoint, without the secret.
			got := apiMust(t, app, http.StatusOK, "GET", "/api/v1/endpoints/"+ep.ID, nil, nil)
			if keys := apiKeys(t, got.Body); !slices.Equal(keys, apiEndpointKeys) {
				t.Errorf("GET keys %v, want %v", keys, apiEndpointKeys)
			}
			if strings.Contains(string(got.Body), ep.Secret) {
				t.Errorf("GET shows the secret: %s", got.Body)
			}
			var again apiEndpoint
			apiMust(t, app, http.StatusOK, "GET", "/api/v1/endpoints/"+ep.ID, nil, &again)
			ep.Secret = ""
			if !apiEndpointEqual(again, ep) {
				t.Errorf("GET = %+v, create answered %+v", again, ep)
			}
		})
	}
}

func apiEndpointEqual(a, b apiEndpoint) bool {
	ra, rb := "", ""
	if a.DisabledReason != nil {
		ra = "set:" + *a.DisabledReason
	}
	if b.DisabledReason != nil {
		rb = "set:" + *b.DisabledReason
	}
	a.DisabledReason, b.DisabledReason = nil, nil
	return ra == rb && slices.Equal(a.Events, b.Events) &&
		a.ID == b.ID && a.UserID == b.UserID && a.URL == b.URL && a.Description == b.Description &&
		a.Enabled == b.Enabled && a.CreatedAt == b.CreatedAt && a.UpdatedAt == b.UpdatedAt && a.Secret == b.Secret
}

func TestAPIEndpointList(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	owner := apiNewUser(t, app, "owner@example.com")
	other := apiNewUser(t, app, "other@example.com")

	var empty struct{ Data []apiEndpoint }
	res := apiMust(t, app, http.StatusOK, "GET", "/api/v1/users/"+owner.ID+"/endpoints", nil, &empty)
	if got := strings.TrimSpace(string(res.Body)); got != `{"data":[]}` {
		t.Errorf("empty list = %s, want {\"data\":[]}", got)
	}

	var made []apiEndpoint
	for _, u := range []string{"https://93.184.215.14/a", "https://93.184.215.14/b", "https://93.184.215.14/c"} {
		made = append(made, apiNewEndpoint(t, app, owner.ID, map[string]any{"url": u, "events": []string{"comment.added"}}))
	}
	apiNewEndpoint(t, app, other.ID, map[string]any{"url": "https://93.184.215.14/other", "events": []string{"comment.added"}})

	var list struct{ Data []apiEndpoint }
	res = apiMust(t, app, http.StatusOK, "GET", "/api/v1/users/"+owner.ID+"/endpoints", nil, &list)
	if keys := apiKeys(t, res.Body); !slices.Equal(keys, []string{"data"}) {
		t.Errorf("list keys %v, want [data]", keys)
	}
	if strings.Contains(string(res.Body), "whsec_") || strings.Contains(string(res.Body), `"secret"`) {
		t.Errorf("list shows secrets: %s", res.Body)
	}
	if len(list.Data) != len(made) {
		t.Fatalf("list has %d endpoints, want the owner's %d: %s", len(list.Data), len(made), res.Body)
	}
	for i := range made {
		made[i].Secret = ""
		if !apiEndpointEqual(list.Data[i], made[i]) {
			t.Errorf("list[%d] = %+v, want %+v (oldest first)", i, list.Data[i], made[i])
		}
	}

	apiWantError(t, apiCall(t, app, "GET", "/api/v1/users/user_0000000000000000/endpoints", nil, nil), http.StatusNotFound, "not_found")
}

func TestAPIEndpointCreateRejects(t *testing.T) {
	t.Parallel()
	// Private targets are refused here, as in production.
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_ALLOW_PRIVATE_TARGETS": "false"}})
	user := apiNewUser(t, app, "owner@example.com")
	events := `"events":["comment.added"]`
	tests := []struct {
		name   string
		user   string // default: the user
		body   any
		status int
		code   string
		fields []string
	}{
		{name: "unknown user", user: "user_0000000000000000", body: `{"url":"https://93.184.215.14/","events":["comment.added"]}`, status: 404, code: "not_found"},
		{name: "malformed JSON", body: `{"url":"https://93.184.215.14/",`, status: 400, code: "bad_request"},
		{name: "empty body", body: ``, status: 400, code: "bad_request"},
		{name: "unknown field", body: `{"url":"https://93.184.215.14/",` + events + `,"secret":"whsec_mine"}`, status: 422, code: "validation_failed", fields: []string{"secret"}},
		{name: "missing url", body: `{` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "url is a number", body: `{"url":443,` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "url not absolute", body: `{"url":"/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "url with credentials", body: `{"url":"https://me:pw@93.184.215.14/",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "plain http", body: `{"url":"http://93.184.215.14/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "ftp", body: `{"url":"ftp://93.184.215.14/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "loopback IPv4", body: `{"url":"https://127.0.0.1/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "loopback IPv6", body: `{"url":"https://[::1]/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "localhost", body: `{"url":"https://localhost:8443/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "private 10/8", body: `{"url":"https://10.1.2.3/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "private 192.168/16", body: `{"url":"https://192.168.1.10/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "cloud metadata", body: `{"url":"https://169.254.169.254/latest",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "IPv4-mapped loopback", body: `{"url":"https://[::ffff:127.0.0.1]/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "decimal loopback", body: `{"url":"https://2130706433/hook",` + events + `}`, status: 422, code: "validation_failed", fields: []string{"url"}},
		{name: "missing events", body: `{"url":"https://93.184.215.14/"}`, status: 422, code: "validation_failed", fields: []string{"events"}},
		{name: "empty events", body: `{"url":"https://93.184.215.14/","events":[]}`, status: 422, code: "validation_failed", fields: []string{"events"}},
		{name: "unknown event type", body: `{"url":"https://93.184.215.14/","events":["comment.added","recording.deleted"]}`, status: 422, code: "validation_failed", fields: []string{"events"}},
		{name: "events is a string", body: `{"url":"https://93.184.215.14/","events":"comment.added"}`, status: 422, code: "validation_failed", fields: []string{"events"}},
		{name: "events holds a number", body: `{"url":"https://93.184.215.14/","events":[1]}`, status: 422, code: "validation_failed", fields: []string{"events"}},
		{name: "description too long", body: `{"url":"https://93.184.215.14/",` + events + `,"description":"` + strings.Repeat("d", 501) + `"}`, status: 422, code: "validation_failed", fields: []string{"description"}},
		{name: "description with NUL", body: `{"url":"https://93.184.215.14/",` + events + `,"description":"a\u0000b"}`, status: 422, code: "validation_failed", fields: []string{"description"}},
		{name: "description is a number", body: `{"url":"https://93.184.215.14/",` + events + `,"description":5}`, status: 422, code: "validation_failed", fields: []string{"description"}},
		{name: "enabled is a string", body: `{"url":"https://93.184.215.14/",` + events + `,"enabled":"yes"}`, status: 422, code: "validation_failed", fields: []string{"enabled"}},
		{name: "every field bad", body: `{"url":"http://10.0.0.1/","events":[],"description":"` + strings.Repeat("d", 501) + `"}`, status: 422, code: "validation_failed", fields: []string{"url", "events", "description"}},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				userID := tt.user
				if userID == "" {
					userID = user.ID
				}
				res := apiCall(t, app, "POST", "/api/v1/users/"+userID+"/endpoints", tt.body, nil)
				apiWantError(t, res, tt.status, tt.code, tt.fields...)
			})
		}
	})
	var n int
	if err := app.Pool.QueryRow(t.Context(), "SELECT count(*) FROM endpoints").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d endpoints exist after only rejected requests", n)
	}
	// A public https address is accepted in the same mode.
	apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/hook", "events": []string{"comment.added"}})
}

func TestAPIEndpointPatch(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_ALLOW_PRIVATE_TARGETS": "false"}})
	user := apiNewUser(t, app, "owner@example.com")
	tests := []struct {
		name  string
		patch any
		check func(t *testing.T, before, after apiEndpoint)
	}{
		{
			name:  "url",
			patch: map[string]any{"url": "https://93.184.215.15/new"},
			check: func(t *testing.T, before, after apiEndpoint) {
				if after.URL != "https://93.184.215.15/new" {
					t.Errorf("url %q", after.URL)
				}
			},
		},
		{
			name:  "events",
			patch: map[string]any{"events": []string{"recording.failed", "recording.completed"}},
			check: func(t *testing.T, before, after apiEndpoint) {
				if !slices.Equal(after.Events, []string{"recording.completed", "recording.failed"}) {
					t.Errorf("events %v", after.Events)
				}
			},
		},
		{
			name:  "description",
			patch: map[string]any{"description": "Billing"},
			check: func(t *testing.T, before, after apiEndpoint) {
				if after.Description != "Billing" {
					t.Errorf("description %q", after.Description)
				}
			},
		},
		{
			name:  "description cleared",
			patch: map[string]any{"description": ""},
			check: func(t *testing.T, before, after apiEndpoint) {
				if after.Description != "" {
					t.Errorf("description %q", after.Description)
				}
			},
		},
		{
			name:  "empty patch changes nothing",
			patch: map[string]any{},
			check: func(t *testing.T, before, after apiEndpoint) {
				after.UpdatedAt = before.UpdatedAt
				if !apiEndpointEqual(before, after) {
					t.Errorf("changed: %+v -> %+v", before, after)
				}
			},
		},
		{
			name:  "nulls change nothing",
			patch: `{"url":null,"events":null,"description":null,"enabled":null}`,
			check: func(t *testing.T, before, after apiEndpoint) {
				after.UpdatedAt = before.UpdatedAt
				if !apiEndpointEqual(before, after) {
					t.Errorf("changed: %+v -> %+v", before, after)
				}
			},
		},
		{
			name:  "disable sets disabledReason",
			patch: map[string]any{"enabled": false},
			check: func(t *testing.T, before, after apiEndpoint) {
				if after.Enabled || after.DisabledReason == nil || *after.DisabledReason == "" {
					t.Errorf("enabled %v disabledReason %v, want false and a reason", after.Enabled, after.DisabledReason)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := apiNewEndpoint(t, app, user.ID, map[string]any{
				"url": "https://93.184.215.14/hook", "events": []string{"comment.added"}, "description": "Ops",
			})
			before.Secret = ""
			time.Sleep(2 * time.Millisecond) // so a change shows in updatedAt's milliseconds
			var after apiEndpoint
			res := apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+before.ID, tt.patch, &after)
			if keys := apiKeys(t, res.Body); !slices.Equal(keys, apiEndpointKeys) {
				t.Errorf("keys %v, want %v", keys, apiEndpointKeys)
			}
			if after.ID != before.ID || after.UserID != before.UserID || after.CreatedAt != before.CreatedAt {
				t.Errorf("identity changed: %+v -> %+v", before, after)
			}
			apiWantTime(t, "updatedAt", after.UpdatedAt)
			tt.check(t, before, after)
			var got apiEndpoint
			apiMust(t, app, http.StatusOK, "GET", "/api/v1/endpoints/"+before.ID, nil, &got)
			if !apiEndpointEqual(got, after) {
				t.Errorf("GET after PATCH = %+v, PATCH answered %+v", got, after)
			}
		})
	}

	t.Run("disable then enable clears disabledReason", func(t *testing.T) {
		t.Parallel()
		ep := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/hook", "events": []string{"comment.added"}})
		var off, on apiEndpoint
		apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep.ID, map[string]any{"enabled": false}, &off)
		if off.Enabled || off.DisabledReason == nil {
			t.Fatalf("after disable: %+v", off)
		}
		// Another change while disabled keeps the reason.
		var edited apiEndpoint
		apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep.ID, map[string]any{"description": "paused"}, &edited)
		if edited.Enabled || edited.DisabledReason == nil || *edited.DisabledReason != *off.DisabledReason {
			t.Fatalf("after an edit while disabled: %+v", edited)
		}
		res := apiMust(t, app, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep.ID, map[string]any{"enabled": true}, &on)
		if !on.Enabled || on.DisabledReason != nil {
			t.Fatalf("after enable: enabled %v disabledReason %v", on.Enabled, on.DisabledReason)
		}
		if !strings.Contains(string(res.Body), `"disabledReason":null`) {
			t.Errorf("disabledReason must be present as null: %s", res.Body)
		}
	})

	t.Run("rejects", func(t *testing.T) {
		t.Parallel()
		ep := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/hook", "events": []string{"comment.added"}, "description": "Ops"})
		ep.Secret = ""
		deleted := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/gone", "events": []string{"comment.added"}})
		apiMust(t, app, http.StatusNoContent, "DELETE", "/api/v1/endpoints/"+deleted.ID, nil, nil)
		tests := []struct {
			name   string
			id     string // default: ep
			body   any
			status int
			code   string
			fields []string
		}{
			{name: "unknown endpoint", id: "ep_0000000000000000", body: `{"enabled":false}`, status: 404, code: "not_found"},
			{name: "deleted endpoint", id: deleted.ID, body: `{"enabled":false}`, status: 404, code: "not_found"},
			{name: "malformed JSON", body: `{"enabled":`, status: 400, code: "bad_request"},
			{name: "unknown field", body: `{"userId":"user_x"}`, status: 422, code: "validation_failed", fields: []string{"userId"}},
			{name: "non-https url", body: `{"url":"http://93.184.215.14/"}`, status: 422, code: "validation_failed", fields: []string{"url"}},
			{name: "private url", body: `{"url":"https://172.16.0.5/"}`, status: 422, code: "validation_failed", fields: []string{"url"}},
			{name: "empty url", body: `{"url":""}`, status: 422, code: "validation_failed", fields: []string{"url"}},
			{name: "empty events", body: `{"events":[]}`, status: 422, code: "validation_failed", fields: []string{"events"}},
			{name: "unknown event", body: `{"events":["recording.started"]}`, status: 422, code: "validation_failed", fields: []string{"events"}},
			{name: "description too long", body: `{"description":"` + strings.Repeat("d", 501) + `"}`, status: 422, code: "validation_failed", fields: []string{"description"}},
			{name: "enabled is a number", body: `{"enabled":0}`, status: 422, code: "validation_failed", fields: []string{"enabled"}},
			{name: "one bad field rejects the whole patch", body: `{"description":"changed","events":["nope"]}`, status: 422, code: "validation_failed", fields: []string{"events"}},
		}
		t.Run("cases", func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					id := tt.id
					if id == "" {
						id = ep.ID
					}
					apiWantError(t, apiCall(t, app, "PATCH", "/api/v1/endpoints/"+id, tt.body, nil), tt.status, tt.code, tt.fields...)
				})
			}
		})
		var got apiEndpoint
		apiMust(t, app, http.StatusOK, "GET", "/api/v1/endpoints/"+ep.ID, nil, &got)
		if !apiEndpointEqual(got, ep) {
			t.Errorf("rejected patches changed the endpoint: %+v -> %+v", ep, got)
		}
	})
}

func TestAPIEndpointDelete(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	user := apiNewUser(t, app, "owner@example.com")
	keep := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/keep", "events": apiAllEvents})
	gone := apiNewEndpoint(t, app, user.ID, map[string]any{"url": "https://93.184.215.14/gone", "events": apiAllEvents})

	res := apiMust(t, app, http.StatusNoContent, "DELETE", "/api/v1/endpoints/"+gone.ID, nil, nil)
	if len(res.Body) != 0 {
		t.Errorf("204 with a body: %q", res.Body)
	}

	tests := []struct {
		name   string
		method string
		path   string
		body   any
	}{
		{name: "get", method: "GET", path: "/api/v1/endpoints/" + gone.ID},
		{name: "patch", method: "PATCH", path: "/api/v1/endpoints/" + gone.ID, body: map[string]any{"enabled": true}},
		{name: "delete again", method: "DELETE", path: "/api/v1/endpoints/" + gone.ID},
		{name: "reveal secret", method: "POST", path: "/api/v1/endpoints/" + gone.ID + "/secret/reveal"},
		{name: "rotate secret", method: "POST", path: "/api/v1/endpoints/" + gone.ID + "/secret/rotate"},
		{name: "send test event", method: "POST", path: "/api/v1/endpoints/" + gone.ID + "/test", body: map[string]any{"event": "comment.added"}},
		{name: "delete unknown", method: "DELETE", path: "/api/v1/endpoints/ep_0000000000000000"},
	}
	t.Run("after delete", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				apiWantError(t, apiCall(t, app, tt.method, tt.path, tt.body, nil), http.StatusNotFound, "not_found")
			})
		}
	})

	var list struct{ Data []apiEndpoint }
	apiMust(t, app, http.StatusOK, "GET", "/api/v1/users/"+user.ID+"/endpoints", nil, &list)
	if len(list.Data) != 1 || list.Data[0].ID != keep.ID {
		t.Errorf("list after delete = %+v, want only %s", list.Data, keep.ID)
	}
	apiMust(t, app, http.StatusOK, "GET", "/api/v1/endpoints/"+keep.ID, nil, nil)
}
