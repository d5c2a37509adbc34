package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/web"
)

// dashParams is every form field and query parameter the dashboard reads.
var dashParams = []string{
	"action", "confirm", "cursor", "data", "description", "email", "enabled", "endpointId", "event", "events",
	"from", "host", "limit", "name", "next", "part", "password", "q", "since", "status", "to", "url",
	"user", "userId", "view", "upTo", "state", "kind", "token", "List-Unsubscribe",
}

// FuzzDashboardForms drives every dashboard route, signed in as an admin
// who owns an endpoint and a delivery, with one arbitrary value in every
// form field (POST) or query parameter (GET), and another in the path's
// ids: whatever the bytes, no answer is a 5xx.
func FuzzDashboardForms(f *testing.F) {
	app := testapp.Start(f, testapp.Options{NoDispatcher: true})
	srv := web.New(web.Deps{Config: app.Config, Store: app.Store})
	routes := srv.DashRoutes()
	adminID := newAdmin(f, app, "fuzz-admin@example.com")
	ep := app.NewEndpoint(f, adminID, "http://127.0.0.1:1/hook")
	doomed := app.NewEndpoint(f, adminID, "http://127.0.0.1:1/doomed")
	del := publish(f, app, adminID, "comment.added", "")[0]

	// One signed-in client for the whole run; routes that would end its
	// session are left out.
	var c *client
	login := func(t *testing.T) {
		c = newClient(t, app)
		c.logIn("fuzz-admin@example.com", testPassword).status(http.StatusSeeOther)
	}

	for i := range routes {
		for _, v := range []string{"", "x", "\x00", "\xff\xfe", "/\t/evil.example", "1e999", "-1", "2026-01-01T00:00",
			base64.RawURLEncoding.EncodeToString([]byte("1.\x00")), base64.RawURLEncoding.EncodeToString([]byte("-99999999999999999.d")),
			"failed", "comment.added", "127.0.0.1", "%", "?", "'", strings.Repeat("a", 3000)} {
			f.Add(uint8(i), v, "")
		}
		f.Add(uint8(i), "ok", "\x00")
		f.Add(uint8(i), "ok", "%ff")
	}
	f.Fuzz(func(t *testing.T, route uint8, value, id string) {
		if c == nil {
			login(t)
		}
		c.t = t
		pattern := routes[int(route)%len(routes)]
		method, path, _ := strings.Cut(pattern, " ")
		if path == "" {
			method, path = "GET", method
		}
		if path == "/logout" || path == "/login" && method == "POST" && value == testPassword {
			return
		}
		epID, delID := ep.ID, del
		if strings.HasSuffix(path, "/delete") || strings.HasSuffix(path, "/disable") {
			epID = doomed.ID
		}
		if id != "" {
			epID, delID = id, id
		}
		r := strings.NewReplacer("{endpointId}", url.PathEscape(epID), "{deliveryId}", url.PathEscape(delID),
			"{recoveryId}", url.PathEscape(id+"1"), "{$}", "")
		path = r.Replace(path)
		form := url.Values{}
		for _, k := range dashParams {
			form.Set(k, value)
		}
		var p *page
		if method == "POST" {
			p = c.post(path, form)
		} else {
			p = c.get(path + "?" + form.Encode())
		}
		if p.Status >= 500 {
			t.Fatalf("%s %s with %q: status %d\n%.1000s", method, path, value, p.Status, p.Body)
		}
	})
}
