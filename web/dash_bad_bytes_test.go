package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

// TestBadBytesAreNot500 sends the bytes PostgreSQL refuses (NUL, invalid
// UTF-8) and cursors that decode to them, to every list and form that
// reached the database with them: each answer is a 4xx, never a 500.
func TestBadBytesAreNot500(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	admin := newClient(t, app)
	newAdmin(t, app, "root@example.com")
	admin.logIn("root@example.com", testPassword).status(http.StatusSeeOther)
	user := newClient(t, app).signUp("owner@example.com")
	ep := app.NewEndpoint(t, user, "http://127.0.0.1:1/hook")

	cursors := map[string]string{
		"NUL in the id":      base64.RawURLEncoding.EncodeToString([]byte("1700000000000000.del_\x00")),
		"0xFF in the id":     base64.RawURLEncoding.EncodeToString([]byte("1700000000000000.\xff\xfe")),
		"time out of range":  base64.RawURLEncoding.EncodeToString([]byte("-9223372036854775807.del_x")),
		"time past the year": base64.RawURLEncoding.EncodeToString([]byte("9223372036854775807.del_x")),
	}
	for name, cur := range cursors {
		t.Run("cursor "+name, func(t *testing.T) {
			q := "?cursor=" + url.QueryEscape(cur)
			if code, body := app.API(t, "GET", "/api/v1/deliveries"+q, nil); code >= 500 || code < 400 {
				t.Errorf("API list: %d %s", code, body)
			}
			if p := admin.get("/admin/deliveries" + q); p.Status >= 500 {
				t.Errorf("admin list: %d %.500s", p.Status, p.Body)
			}
			if p := admin.get("/admin/audit" + q); p.Status >= 500 {
				t.Errorf("admin audit: %d %.500s", p.Status, p.Body)
			}
			owner := newClient(t, app)
			owner.logIn("owner@example.com", testPassword).status(http.StatusSeeOther)
			if p := owner.get("/endpoints/" + ep.ID + "/deliveries" + q); p.Status >= 500 {
				t.Errorf("drawer: %d %.500s", p.Status, p.Body)
			}
		})
	}

	t.Run("login email with NUL", func(t *testing.T) {
		c := newClient(t, app)
		if p := c.logIn("a\x00b@example.com", testPassword); p.Status >= 500 || p.Status < 400 {
			t.Fatalf("status %d %.500s", p.Status, p.Body)
		}
	})
	t.Run("sign-up name with NUL", func(t *testing.T) {
		c := newClient(t, app)
		p := c.post("/signup", url.Values{"email": {"nul@example.com"}, "name": {"a\x00b"}, "password": {testPassword}})
		if p.Status >= 500 || p.Status < 400 {
			t.Fatalf("status %d %.500s", p.Status, p.Body)
		}
	})
	t.Run("sign-up name not UTF-8", func(t *testing.T) {
		c := newClient(t, app)
		p := c.post("/signup", url.Values{"email": {"ff@example.com"}, "name": {"a\xffb"}, "password": {testPassword}})
		if p.Status >= 500 || p.Status < 400 {
			t.Fatalf("status %d %.500s", p.Status, p.Body)
		}
	})
}
