package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/testapp"
)

func forwardedFor(v string) reqOpt {
	return func(r *http.Request) { r.Header.Set("X-Forwarded-For", v) }
}

func loginFrom(c *client, xff, email, password string) *page {
	c.t.Helper()
	return c.post("/login", url.Values{"email": {email}, "password": {password}}, forwardedFor(xff))
}

// failLogins makes n failed logins, the i-th from the address xff(i) to
// the account guess<i>@example.com.
func failLogins(c *client, n int, xff func(i int) string) {
	c.t.Helper()
	for i := range n {
		loginFrom(c, xff(i), fmt.Sprintf("guess%d@example.com", i), "wrong password!").status(http.StatusUnauthorized)
	}
}

// TestLoginThrottleBehindTrustedProxy: behind a trusted proxy each client
// has its own budget, taken from the rightmost untrusted X-Forwarded-For
// address; what the client wrote to its left changes nothing; IPv6 counts
// per /64.
func TestLoginThrottleBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{
		"CLIPCABINET_TRUSTED_PROXIES": "127.0.0.1/32, 10.0.0.0/8",
	}})
	newAdmin(t, app, "proxied@example.com")
	c := newClient(t, app)
	// A fresh spoofed address on the left each time, and a second
	// trusted proxy (10.1.2.3) on the right.
	failLogins(c, auth.MaxFailuresPerAddress, func(i int) string { return fmt.Sprintf("192.0.2.%d, 203.0.113.7, 10.1.2.3", i) })
	loginFrom(c, "192.0.2.200, 203.0.113.7", "proxied@example.com", testPassword).status(http.StatusTooManyRequests)
	// Another client behind the same proxy is not blocked.
	loginFrom(newClient(t, app), "198.51.100.9", "proxied@example.com", testPassword).status(http.StatusSeeOther)

	failLogins(c, auth.MaxFailuresPerAddress, func(i int) string { return fmt.Sprintf("2001:db8:1:2::%x", i+1) })
	loginFrom(c, "2001:db8:1:2:ffff::1", "proxied@example.com", testPassword).status(http.StatusTooManyRequests)
	loginFrom(newClient(t, app), "2001:db8:1:3::1", "proxied@example.com", testPassword).status(http.StatusSeeOther)
}

// TestForwardedForIgnoredWithoutTrustedProxies: by default the header is
// the client's own words and changes nothing.
func TestForwardedForIgnoredWithoutTrustedProxies(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true})
	newAdmin(t, app, "direct@example.com")
	c := newClient(t, app)
	failLogins(c, auth.MaxFailuresPerAddress, func(i int) string { return fmt.Sprintf("198.51.100.%d", i) })
	loginFrom(c, "203.0.113.99", "direct@example.com", testPassword).status(http.StatusTooManyRequests)
}

// TestAccountLockSparesKnownAddresses: failures from many addresses lock
// an account for new addresses, but its owner on an address they logged
// in from before still gets in; the pair limit still applies there.
func TestAccountLockSparesKnownAddresses(t *testing.T) {
	t.Parallel()
	app := testapp.Start(t, testapp.Options{NoDispatcher: true, Env: map[string]string{"CLIPCABINET_TRUSTED_PROXIES": "127.0.0.1"}})
	newAdmin(t, app, "owner@example.com")
	owner := newClient(t, app)
	loginFrom(owner, "198.51.100.9", "owner@example.com", testPassword).status(http.StatusSeeOther)

	attacker := newClient(t, app)
	for i := range auth.MaxFailuresPerAccount {
		loginFrom(attacker, fmt.Sprintf("203.0.113.%d", i), "owner@example.com", "wrong password!").status(http.StatusUnauthorized)
	}
	loginFrom(newClient(t, app), "192.0.2.1", "owner@example.com", testPassword).status(http.StatusTooManyRequests)
	loginFrom(newClient(t, app), "198.51.100.9", "owner@example.com", testPassword).status(http.StatusSeeOther)

	// The known address itself still has the pair limit.
	for range auth.MaxFailuresPerPair {
		loginFrom(attacker, "198.51.100.9", "owner@example.com", "wrong password!").status(http.StatusUnauthorized)
	}
	loginFrom(newClient(t, app), "198.51.100.9", "owner@example.com", testPassword).status(http.StatusTooManyRequests)
}
