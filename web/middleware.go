package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/clipcabinet/webhooks/views"
)

// contentSecurityPolicy allows only the dashboard's own files: no inline
// script or style, no eval (htmx runs with allowEval off), no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.SecureCookies() {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginProtection refuses state-changing requests (anything but GET,
// HEAD, OPTIONS) that a browser marks as coming from another origin, by
// Sec-Fetch-Site or else by Origin against Host. That is the dashboard's
// CSRF defence, with SameSite=Lax cookies as a second layer. The API is
// behind it too, harmlessly: its clients are not browsers and send neither
// header, and requests without them pass.
func (s *Server) crossOriginProtection(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.WarnContext(r.Context(), "cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeAPIError(w, &httpError{Status: http.StatusForbidden, Code: "cross_origin", Message: "cross-origin requests are refused"})
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_ = views.ErrorFragment(views.ErrorView{Status: http.StatusForbidden, Title: "Refused",
			Message: "This request came from another site, so it was not carried out. Go back to the dashboard and try again from there."}).Render(r.Context(), w)
	}))
	return p.Handler(next)
}

// requireToken guards the API: 503 when no token is configured, 401 for a
// missing or wrong one, compared in constant time (over digests, so the
// length does not leak either).
func (s *Server) requireToken(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.cfg.APIToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.APIToken == "" {
			writeAPIError(w, &httpError{Status: http.StatusServiceUnavailable, Code: "api_disabled", Message: "the API is disabled: set CLIPCABINET_API_TOKEN to enable it"})
			return
		}
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		ok = ok && strings.EqualFold(scheme, "Bearer") // schemes are case-insensitive (RFC 9110 §11.1)
		got := sha256.Sum256([]byte(token))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="clipcabinet"`)
			writeAPIError(w, &httpError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "missing or invalid bearer token"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
