package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// dashHandler is a dashboard action. Its error becomes an error page, or
// an error fragment for htmx; the wrapper logs 5xx only.
type dashHandler func(w http.ResponseWriter, r *http.Request) error

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
		// The header's unread count; a page still renders without it.
		if n, err := s.store.NoticeUnread(r.Context(), u.ID); err != nil {
			s.log.WarnContext(r.Context(), "counting unread notices", "err", err)
		} else {
			c.User.Unread = int(n)
		}
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

// ownEndpoint loads the path's endpoint if it is the signed-in user's and
// not deleted. A missing or other user's endpoint is a 404; the owner's
// deleted one is a 410 (its history is read-only: ownEndpointHistory).
func (s *Server) ownEndpoint(r *http.Request) (store.Endpoint, error) {
	ep, err := s.ownEndpointHistory(r)
	if err == nil && ep.DeletedAt != nil {
		return store.Endpoint{}, errDeleted(ep)
	}
	return ep, err
}

// ownDelivery loads the path's delivery if it belongs to the path's
// endpoint, which must be the user's and not deleted (410 when it is).
func (s *Server) ownDelivery(r *http.Request) (store.Endpoint, store.DeliveryDetail, error) {
	ep, d, err := s.ownDeliveryHistory(r)
	if err == nil && ep.DeletedAt != nil {
		return store.Endpoint{}, store.DeliveryDetail{}, errDeleted(ep)
	}
	return ep, d, err
}
