// Package netguard keeps webhook deliveries away from addresses that are not
// on the public internet: loopback, private (RFC 1918, ULA), link-local
// (including cloud metadata at 169.254.169.254), CGNAT, multicast,
// unspecified and the other special-purpose ranges, in every IPv4 and IPv6
// spelling.
//
// There are two layers, and both are needed:
//
//   - [Policy.CheckURL] validates an endpoint URL when it is stored, so a user
//     gets a clear message ("URL must use https") at the moment they type it.
//   - [NewClient] returns the HTTP client the dispatcher sends through. Its
//     dialer checks the address it is about to connect to, after DNS has been
//     resolved, for every connection.
//
// The store-time check alone is not enough: DNS answers change. A name that
// resolved to a public address when the endpoint was saved can later resolve
// to 127.0.0.1 or 169.254.169.254 (DNS rebinding), possibly only for the
// lookup the dispatcher makes seconds after a check. Checking inside the
// dialer's Control function, on the IP actually being dialled, closes that
// gap: there is no window between "checked" and "connected". For the same
// reason the client never follows redirects (a public receiver could
// otherwise answer 307 Location: http://10.0.0.1/) and never uses a proxy
// from the environment (the proxy would do the dialling, unchecked).
//
// The address ranges come from code.dny.dev/ssrf, which tracks the IANA
// special-purpose registries, rather than from a hand-written list.
//
// Policy.AllowPrivate turns all of this off; it exists for development and
// tests (CLIPCABINET_ALLOW_PRIVATE_TARGETS=true), where receivers run on
// localhost without TLS.
package netguard

import (
	"context"
	"errors"
	"net/netip"

	"code.dny.dev/ssrf"
)

// ErrBlocked is wrapped by every refusal (URL check or dial) of a non-public address.
var ErrBlocked = errors.New("netguard: address not allowed")

// Policy says what is allowed. AllowPrivate=true (dev/tests only) allows
// http:// and loopback/private addresses.
type Policy struct {
	AllowPrivate bool

	// Lookup resolves a host name to its addresses for CheckURL. Nil means
	// net.DefaultResolver. Tests inject a function that does no network I/O.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// IsBlocked reports whether err (from CheckURL or from a request made with the
// client) is a netguard refusal.
func IsBlocked(err error) bool {
	return errors.Is(err, ErrBlocked)
}

// newGuardian returns the address checker shared by CheckURL and the dialer,
// so that what is accepted at store time and at dial time cannot drift apart.
//
// Any port is allowed: receivers legitimately listen on 8443 and the like,
// and the danger lies in the address, not the port. Only tcp4 and tcp6 are
// allowed (the library default).
func newGuardian() *ssrf.Guardian {
	return ssrf.New(ssrf.WithAnyPort())
}
