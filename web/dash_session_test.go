package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testapp"
)

func sessionCookie(t *testing.T, h http.Header) *http.Cookie {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && strings.TrimPrefix(c.Name, "__Host-") == "clipcabinet_session" {
			return c
		}
	}
	t.Fatalf("no session cookie set; headers: %v", h)
	return nil
}

func TestSignupLoginLogout(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)

	// Signed out, a page sends to the login form and back.
	p := c.get("/endpoints?x=1").status(http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/login?next=%2Fendpoints%3Fx%3D1" {
		t.Fatalf("redirect to %q", loc)
	}
	c.get("/login").status(http.StatusOK).one(`[data-testid="signup-link"]`)

	signup := c.post("/signup", url.Values{"email": {"ann@example.com"}, "password": {testPassword}})
	signup.status(http.StatusSeeOther)
	first := sessionCookie(t, signup.Header)
	if !first.HttpOnly || first.SameSite != http.SameSiteLaxMode || first.Secure {
		t.Fatalf("cookie attributes: %+v", first)
	}
	list := c.get("/endpoints").status(http.StatusOK)
	if got := list.text(`[data-testid="account-email"]`); got != "ann@example.com" {
		t.Fatalf("account email %q", got)
	}
	list.one(`[data-testid="flash"]`)
	list.one(`[data-testid="endpoints-empty"]`)
	if list.has(`[data-testid="nav-admin"]`) {
		t.Fatal("a user who is not an admin sees the admin link")
	}

	// Logging in again renews the token.
	login := c.logIn("ann@example.com", testPassword).status(http.StatusSeeOther)
	if second := sessionCookie(t, login.Header); second.Value == first.Value {
		t.Fatal("session token not renewed at login")
	}

	// Logging out is a POST; the session is gone afterwards.
	c.get("/logout").status(http.StatusNotFound)
	c.post("/logout", nil).status(http.StatusSeeOther)
	c.get("/endpoints").status(http.StatusSeeOther)
}

func TestSessionCookieSecureOnHTTPS(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_BASE_URL": "https://hooks.example.com"}})
	c := newClient(t, app)
	p := c.post("/signup", url.Values{"email": {"sec@example.com"}, "password": {testPassword}}).status(http.StatusSeeOther)
	// __Host-: the browser takes it only from https, for this host alone
	// (no Domain) and the whole site, so a sibling subdomain cannot plant
	// or shadow it.
	if ck := sessionCookie(t, p.Header); !ck.Secure || !ck.HttpOnly || ck.Name != "__Host-clipcabinet_session" || ck.Path != "/" || ck.Domain != "" {
		t.Fatalf("cookie on https: %+v", ck)
	}
	if p.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS on https")
	}
}

func TestLoginFailuresLookAlikeAndAreThrottled(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	newAdmin(t, app, "bob@example.com")
	c := newClient(t, app)

	unknown := c.logIn("nobody@example.com", testPassword).status(http.StatusUnauthorized)
	wrong := c.logIn("bob@example.com", "wrong password!").status(http.StatusUnauthorized)
	if a, b := unknown.text(`[data-testid="login-error"]`), wrong.text(`[data-testid="login-error"]`); a != b {
		t.Fatalf("unknown email says %q, wrong password says %q", a, b)
	}
	if got := wrong.one(`[data-testid="login-email"]`); attr(got, "value") != "bob@example.com" {
		t.Fatal("the email is not kept in the form")
	}
	for range 4 {
		c.logIn("bob@example.com", "wrong password!").status(http.StatusUnauthorized)
	}
	// Five failures for the account: even the right password waits now.
	p := c.logIn("bob@example.com", testPassword).status(http.StatusTooManyRequests)
	if msg := p.text(`[data-testid="login-error"]`); !strings.Contains(msg, "Too many failed attempts") {
		t.Fatalf("throttle message %q", msg)
	}
	// Another account from the same address still gets in.
	newAdmin(t, app, "carol@example.com")
	c.logIn("carol@example.com", testPassword).status(http.StatusSeeOther)
}

func TestSignupValidationAndClosedSignup(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	c := newClient(t, app)
	p := c.post("/signup", url.Values{"email": {"not-an-email"}, "password": {"short"}}).status(http.StatusUnprocessableEntity)
	p.one(`[data-testid="signup-email-error"]`)
	p.one(`[data-testid="signup-password-error"]`)
	if attr(p.one(`[data-testid="signup-email"]`), "aria-invalid") != "true" {
		t.Fatal("invalid field not marked aria-invalid")
	}
	c.signUp("dup@example.com")
	c2 := newClient(t, app)
	p = c2.post("/signup", url.Values{"email": {"DUP@example.com"}, "password": {testPassword}}).status(http.StatusUnprocessableEntity)
	if !strings.Contains(p.text(`[data-testid="signup-email-error"]`), "already exists") {
		t.Fatal("duplicate email not reported")
	}

	closed := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_SIGNUP_OPEN": "false"}})
	cc := newClient(t, closed)
	cc.get("/signup").status(http.StatusNotFound)
	cc.post("/signup", url.Values{"email": {"x@example.com"}, "password": {testPassword}}).status(http.StatusNotFound)
	if cc.get("/login").has(`[data-testid="signup-link"]`) {
		t.Fatal("login page offers sign-up while it is closed")
	}
}

func TestLoginNextStaysOnSite(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	newAdmin(t, app, "next@example.com")
	const home = "/admin/attention" // an admin's landing page
	c := newClient(t, app)
	tests := []struct{ name, next, want string }{
		{"a page of this site", "/endpoints/ep_1/deliveries?status=failed", "/endpoints/ep_1/deliveries?status=failed"},
		{"tab after the slash", "/\t/evil.example/x", home},
		{"tab before the slash", "/\t\t//evil.example", home},
		{"two slashes", "//evil.example", home},
		{"backslash", "/\\evil.example", home},
		{"backslash later", "/a\\..\\\\evil.example", home},
		{"absolute", "https://evil.example/", home},
		{"scheme relative to a path", "javascript:alert(1)", home},
		{"space", "/ /evil.example", home},
		{"no-break space", "/\u00a0/evil.example", home},
		{"line separator", "/\u2028/evil.example", home},
		{"DEL", "/\x7f/evil.example", home},
		{"NUL", "/a\x00", home},
		{"empty", "", home},
	}
	// Signed out: the form's next field, after the password.
	for _, tc := range tests {
		t.Run("post "+tc.name, func(t *testing.T) {
			c := newClient(t, app)
			p := c.post("/login", url.Values{"email": {"next@example.com"}, "password": {testPassword}, "next": {tc.next}})
			if p.Status == http.StatusBadRequest && tc.want == home {
				return // refused outright (bytes no field may hold)
			}
			if p.status(http.StatusSeeOther).Header.Get("Location") != tc.want {
				t.Fatalf("next %q sent to %q, want %q", tc.next, p.Header.Get("Location"), tc.want)
			}
		})
	}
	// Signed in: GET /login?next= redirects at once.
	c.logIn("next@example.com", testPassword).status(http.StatusSeeOther)
	for _, tc := range tests {
		t.Run("get "+tc.name, func(t *testing.T) {
			c.t = t
			p := c.get("/login?next=" + url.QueryEscape(tc.next))
			if p.Status == http.StatusBadRequest && tc.want == home {
				return
			}
			if p.status(http.StatusSeeOther).Header.Get("Location") != tc.want {
				t.Fatalf("next %q sent to %q, want %q", tc.next, p.Header.Get("Location"), tc.want)
			}
		})
	}
}
