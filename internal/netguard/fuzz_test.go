package netguard

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// fuzzLookup answers without network I/O: two fixed names, an error for the
// rest.
func fuzzLookup(_ context.Context, host string) ([]netip.Addr, error) {
	switch strings.TrimSuffix(host, ".") {
	case "public.example":
		return []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("2606:4700::1111")}, nil
	case "private.example":
		return []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.1")}, nil
	}
	return nil, errors.New("offline")
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// nonPublic is an independent statement, from net/netip alone, of addresses
// that must never be accepted.
func nonPublic(a netip.Addr) bool {
	for _, a := range []netip.Addr{a, a.Unmap()} {
		if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
			a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || cgnat.Contains(a) {
			return true
		}
	}
	return false
}

// FuzzCheckURL checks that CheckURL never panics and, without AllowPrivate,
// never accepts a URL whose host is (or resolves to) a non-public address.
// The seed corpus lives in testdata/fuzz/FuzzCheckURL.
func FuzzCheckURL(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw string) {
		ctx := t.Context()

		got, err := Policy{Lookup: fuzzLookup}.CheckURL(ctx, raw)
		if err != nil {
			if got != "" {
				t.Fatalf("CheckURL(%q) = %q with error %v", raw, got, err)
			}
			if err.Error() == "" {
				t.Fatalf("CheckURL(%q): empty error message", raw)
			}
		} else {
			u, perr := url.Parse(got)
			if perr != nil {
				t.Fatalf("CheckURL(%q) = %q, which does not parse: %v", raw, got, perr)
			}
			if u.Scheme != "https" {
				t.Fatalf("CheckURL(%q) = %q, scheme %q, want https", raw, got, u.Scheme)
			}
			if u.User != nil || u.Fragment != "" || len(got) > MaxURLLength {
				t.Fatalf("CheckURL(%q) = %q, has userinfo, fragment or excess length", raw, got)
			}
			host := u.Hostname()
			if host == "" {
				t.Fatalf("CheckURL(%q) = %q, empty host", raw, got)
			}
			if addr, perr := netip.ParseAddr(host); perr == nil {
				if nonPublic(addr) {
					t.Fatalf("CheckURL(%q) = %q, accepted non-public address %s", raw, got, addr)
				}
			} else {
				addrs, lerr := fuzzLookup(ctx, host)
				if lerr != nil {
					t.Fatalf("CheckURL(%q) = %q, accepted a name that does not resolve", raw, got)
				}
				for _, a := range addrs {
					if nonPublic(a) {
						t.Fatalf("CheckURL(%q) = %q, accepted a name resolving to %s", raw, got, a)
					}
				}
			}
			// Normalizing is idempotent.
			again, err := Policy{Lookup: fuzzLookup}.CheckURL(ctx, got)
			if err != nil || again != got {
				t.Fatalf("CheckURL(%q) = %q, but CheckURL of that = %q, %v", raw, got, again, err)
			}
		}

		// AllowPrivate only has to not panic, and never does a lookup.
		_, _ = Policy{AllowPrivate: true, Lookup: func(context.Context, string) ([]netip.Addr, error) {
			t.Fatalf("lookup with AllowPrivate for %q", raw)
			return nil, nil
		}}.CheckURL(ctx, raw)
	})
}
