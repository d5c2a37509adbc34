package web

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
)

type clientAddrKey struct{}

// clientAddress works out the client's address once per request and keeps
// it in the context for remoteIP: the TCP peer, unless the peer is one of
// CLIPCABINET_TRUSTED_PROXIES, in which case X-Forwarded-For is read from
// the right and the first address that is not a trusted proxy is the
// client. Addresses to its left were written by the client itself and
// prove nothing, so they are never used.
func (s *Server) clientAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r, s.cfg.TrustedProxies)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, ip)))
	})
}

func clientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ip := peerIP(r.RemoteAddr)
	if !isTrusted(ip, trusted) {
		return ip
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				// Garbage written by someone: believe nothing further left.
				return ip
			}
			ip = a.Unmap().WithZone("")
			if !isTrusted(ip, trusted) {
				return ip
			}
		}
	}
	return ip
}

func peerIP(remoteAddr string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	a, _ := netip.ParseAddr(strings.Trim(remoteAddr, "[]"))
	return a.Unmap().WithZone("")
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// remoteIP is the client's address as clientAddress worked it out, for the
// audit log and the logs.
func remoteIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientAddrKey{}).(netip.Addr); ok && ip.IsValid() {
		return ip.String()
	}
	return peerIP(r.RemoteAddr).String()
}

// throttleAddr is the key a client's address is throttled under: an IPv4
// address, or an IPv6 address's /64, since one host commonly holds a whole
// /64 and would otherwise get a fresh budget per address.
func throttleAddr(r *http.Request) string {
	ip, ok := r.Context().Value(clientAddrKey{}).(netip.Addr)
	if !ok || !ip.IsValid() {
		ip = peerIP(r.RemoteAddr)
	}
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}
