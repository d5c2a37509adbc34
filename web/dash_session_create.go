package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// loginFailed is the one message for an unknown email, a wrong password and
// an account without a dashboard password, so the form does not tell which
// addresses have accounts.
const loginFailed = "The email or password is not right."

// dummyHash is checked against when the email has no account (or no
// password), so an unknown email takes as long as a wrong password.
// Made on first use: hashing takes a moment that commands other than serve
// should not pay.
var dummyHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("not a real password, only for timing")
	if err != nil {
		panic(err)
	}
	return h
})

func (s *Server) dashSessionNew(w http.ResponseWriter, r *http.Request) error {
	if _, ok := currentUser(r.Context()); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, views.LoginPage(s.chrome(r, "Log in", ""), views.LoginForm{Next: safeNext(r.URL.Query().Get("next"))}))
}

// dashSessionCreate logs in. Failures are throttled per account and per
// address (auth.Throttle) before the password is even checked.
func (s *Server) dashSessionCreate(w http.ResponseWriter, r *http.Request) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	form := views.LoginForm{Email: email, Next: next}
	fail := func(status int, msg string) error {
		form.Error = msg
		return s.render(w, r, status, views.LoginPage(s.chrome(r, "Log in", ""), form))
	}

	acct := "account:" + strings.ToLower(email)
	addr := "address:" + remoteIP(r)
	if blocked, wait := s.throttle.Blocked(
		auth.Limit{Key: acct, Max: auth.MaxFailuresPerAccount},
		auth.Limit{Key: addr, Max: auth.MaxFailuresPerAddress},
	); blocked {
		s.log.WarnContext(r.Context(), "login throttled", "remote_addr", remoteIP(r))
		return fail(http.StatusTooManyRequests, fmt.Sprintf(
			"Too many failed attempts. Try again in %s.", minutes(wait)))
	}

	u, err := s.store.UserByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash := dummyHash()
	if err == nil && u.PasswordHash != nil {
		hash = *u.PasswordHash
	}
	ok := auth.CheckPassword(hash, password) == nil && err == nil && u.PasswordHash != nil
	if !ok {
		s.throttle.Fail(acct, addr)
		return fail(http.StatusUnauthorized, loginFailed)
	}
	s.throttle.Reset(acct)
	if err := s.login(r.Context(), u.ID); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-login destination on this site: a path with one
// leading slash and no scheme or host once parsed, and no whitespace,
// control character or backslash anywhere. Browsers drop tabs and line
// breaks and read a backslash as a slash, so "/\t/evil.example" or
// "/\\evil.example" would leave the site.
func safeNext(next string) string {
	const home = "/endpoints"
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return home
	}
	for _, r := range next {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\\' || r == utf8.RuneError ||
			unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return home
	}
	return next
}

func minutes(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	if m <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}
