package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/static"
	"github.com/clipcabinet/webhooks/views"
)

// access is who may use a dashboard route.
type access int

const (
	public    access = iota // anyone; the session is loaded if there is one
	signedIn                // a signed-in user
	adminOnly               // a signed-in admin; anyone else gets 404
)

// maxFormBody bounds a dashboard form.
const maxFormBody = 64 << 10

// dashHandler is a dashboard action. Its error becomes an error page, or
// an error fragment for htmx; the wrapper logs 5xx only.
type dashHandler func(w http.ResponseWriter, r *http.Request) error

// dashboardRoutes registers the dashboard's pages and actions. Every state
// change is a POST (never a GET), and cross-origin POSTs are refused by
// crossOriginProtection around the whole mux.
func (s *Server) dashboardRoutes() {
	route := func(pattern string, a access, h dashHandler) {
		s.dashRoutes = append(s.dashRoutes, pattern)
		s.mux.Handle(pattern, s.dash(a, h))
	}
	s.mux.Handle("GET /static/", static.Handler())

	route("GET /{$}", public, s.dashHome)
	route("GET /login", public, s.dashSessionNew)
	route("POST /login", public, s.dashSessionCreate)
	route("POST /logout", public, s.dashSessionDelete)
	route("GET /signup", public, s.dashUserNew)
	route("POST /signup", public, s.dashUserCreate)

	route("GET /endpoints", signedIn, s.dashEndpointList)
	route("GET /endpoints/new", signedIn, s.dashEndpointNew)
	route("POST /endpoints", signedIn, s.dashEndpointCreate)
	route("GET /endpoints/{endpointId}", signedIn, s.dashEndpointShow)
	route("GET /endpoints/{endpointId}/edit", signedIn, s.dashEndpointEdit)
	route("POST /endpoints/{endpointId}/edit", signedIn, s.dashEndpointUpdate)
	route("POST /endpoints/{endpointId}/enable", signedIn, s.dashEndpointEnable)
	route("POST /endpoints/{endpointId}/disable", signedIn, s.dashEndpointDisable)
	route("POST /endpoints/{endpointId}/delete", signedIn, s.dashEndpointDelete)
	route("POST /endpoints/{endpointId}/secret/reveal", signedIn, s.dashSecretReveal)
	route("POST /endpoints/{endpointId}/secret/rotate", signedIn, s.dashSecretRotate)
	route("POST /endpoints/{endpointId}/secret/activate", signedIn, s.dashSecretActivate)
	route("POST /endpoints/{endpointId}/secret/cancel", signedIn, s.dashSecretCancel)
	route("POST /endpoints/{endpointId}/standard-webhooks", signedIn, s.dashStandardWebhooks)
	route("POST /endpoints/{endpointId}/test", signedIn, s.dashEndpointSendTest)
	route("GET /endpoints/{endpointId}/deliveries", signedIn, s.dashDeliveryList)
	route("GET /endpoints/{endpointId}/deliveries/{deliveryId}", signedIn, s.dashDeliveryShow)
	route("POST /endpoints/{endpointId}/deliveries/{deliveryId}/retry", signedIn, s.dashDeliveryRetry)
	route("GET /endpoints/{endpointId}/recover", signedIn, s.dashRecoveryNew)
	route("POST /endpoints/{endpointId}/recoveries", signedIn, s.dashRecoveryCreate)
	route("GET /endpoints/{endpointId}/recoveries/{recoveryId}", signedIn, s.dashRecoveryShow)
	route("GET /audit", signedIn, s.dashAuditList)

	route("GET /admin/deliveries", adminOnly, s.dashAdminDeliveryList)
	route("GET /admin/deliveries/retry", adminOnly, s.dashAdminRetryPreview)
	route("POST /admin/deliveries/retry", adminOnly, s.dashAdminRetryBulk)
	route("GET /admin/deliveries/{deliveryId}", adminOnly, s.dashAdminDeliveryShow)
	route("POST /admin/deliveries/{deliveryId}/retry", adminOnly, s.dashAdminDeliveryRetry)
	route("GET /admin/recoveries/{recoveryId}", adminOnly, s.dashAdminRecoveryShow)
	route("GET /admin/audit", adminOnly, s.dashAdminAuditList)

	// Anything else is the dashboard's 404 page.
	route("/", public, func(http.ResponseWriter, *http.Request) error { return errNotFound() })
}

// dash wraps a dashboard action: session, user, access check, headers,
// and errors turned into pages.
func (s *Server) dash(a access, h dashHandler) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := s.loadUser(r)
		if err != nil {
			s.dashError(w, r, err)
			return
		}
		if ok {
			r = r.WithContext(context.WithValue(r.Context(), userKey, u))
		}
		// Pages hold private data and secrets: never cached. The same URL
		// answers a page or a fragment, depending on the htmx headers.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Add("Vary", "HX-Request, HX-Target")
		switch {
		case a >= signedIn && !ok:
			s.toLogin(w, r)
			return
		case a == adminOnly && !u.Admin:
			s.dashError(w, r, errNotFound())
			return
		case !storableText(r.URL.Path):
			// No id holds such bytes, and PostgreSQL refuses them outright:
			// a 404, as in the API, not a 500.
			s.dashError(w, r, errNotFound())
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		}
		if err := readForm(r); err != nil {
			s.dashError(w, r, err)
			return
		}
		if err := h(w, r); err != nil {
			s.dashError(w, r, err)
		}
	})
	return s.sessions.LoadAndSave(inner)
}

// readForm parses the query and a urlencoded form body once, for every
// action, and refuses a form field no column can hold: PostgreSQL rejects
// NUL and invalid UTF-8 in text, which would otherwise reach it from a
// login email or a sign-up name and come back as a 500. Query parameters
// are the lists' filters, which say what is wrong inline on the list.
func readForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &httpError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "The form is too large."}
		}
		return errBadRequest("The form could not be read: " + err.Error())
	}
	for k, vs := range r.PostForm {
		if !storableText(k) {
			return errBadRequest("The form holds characters that cannot be stored (NUL or bytes that are not UTF-8).")
		}
		for _, v := range vs {
			if !storableText(v) {
				return errBadRequest(fmt.Sprintf("The field %q holds characters that cannot be stored (NUL or bytes that are not UTF-8).", k))
			}
		}
	}
	return nil
}

// toLogin sends a visitor without a session to the login page, coming
// back to the page they asked for.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// dashError renders an error: a page, or a fragment for htmx.
func (s *Server) dashError(w http.ResponseWriter, r *http.Request, err error) {
	he := asHTTPError(err)
	if he.Status >= 500 {
		s.log.ErrorContext(r.Context(), "dashboard request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	e := views.ErrorView{Status: he.Status, Title: http.StatusText(he.Status), Message: he.Message}
	switch {
	case he.Status == http.StatusNotFound:
		e.Title, e.Message = "Not found", "There is nothing here, or it belongs to another account."
	case he.Status >= 500:
		e.Title, e.Message = "Something went wrong", "The error was logged. Try again in a moment."
		if he.Status == http.StatusServiceUnavailable {
			e.Message = he.Message
		}
	}
	if fragmentTarget(r) != "" {
		_ = s.render(w, r, he.Status, views.ErrorFragment(e))
		return
	}
	_ = s.render(w, r, he.Status, views.ErrorPage(s.chrome(r, e.Title, ""), e))
}

// render writes a component, rendered into a buffer first so a failure
// becomes an error page and not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// chrome is the frame of a page: the user, the banner, the flash.
func (s *Server) chrome(r *http.Request, title, nav string) views.Chrome {
	c := views.Chrome{Title: title, Nav: nav, PrivateTargets: s.cfg.AllowPrivateTargets, SignupOpen: s.cfg.SignupOpen}
	if u, ok := currentUser(r.Context()); ok {
		c.User = &views.Viewer{Email: u.Email, Name: u.Name, Admin: u.Admin}
	}
	if f := s.sessions.PopString(r.Context(), sessionFlashKey); f != "" {
		kind, text, _ := strings.Cut(f, "\x00")
		c.Flash = views.Flash{Kind: kind, Text: text}
	}
	return c
}

// isHTMX reports an htmx request that wants a fragment. A history restore
// (going back to a pushed URL) wants the whole page.
func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// fragmentTarget is the id of the element an htmx request will swap, or
// "" when the whole page is wanted.
func fragmentTarget(r *http.Request) string {
	if !isHTMX(r) {
		return ""
	}
	if t := r.Header.Get("HX-Target"); t != "" {
		return t
	}
	return "page"
}

// redirect after a form POST; htmx follows HX-Location without a reload.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	if isHTMX(r) {
		w.Header().Set("HX-Location", to)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// actor is who the audit log names for a dashboard action.
func actor(r *http.Request) store.Actor {
	u, _ := currentUser(r.Context())
	return store.Actor{ID: u.ID, RemoteAddr: remoteIP(r)}
}

func (s *Server) dashHome(w http.ResponseWriter, r *http.Request) error {
	if _, ok := currentUser(r.Context()); ok {
		http.Redirect(w, r, "/endpoints", http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
	return nil
}
