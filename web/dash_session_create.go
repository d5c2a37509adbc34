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
	if u, ok := currentUser(r.Context()); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next"), landing(u)), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, views.LoginPage(s.chrome(r, "Log in", ""), views.LoginForm{Next: safeNext(r.URL.Query().Get("next"), "")}))
}

// landing is where a signed-in user goes when no page was asked for: an
// admin to Needs attention, everyone else to their endpoints.
func landing(u store.User) string {
	if u.Admin {
		return "/admin/attention"
	}
	return "/endpoints"
}

// dashSessionCreate logs in. The attempt is counted against the address,
// the address and account together, and (unless this address logged in to
// the account before) the account, before the password is hashed; hashing
// waits for a turn (auth.Hasher), and a full queue is a quick 503.
func (s *Server) dashSessionCreate(w http.ResponseWriter, r *http.Request) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"), "")
	form := views.LoginForm{Email: email, Next: next}
	fail := func(status int, msg string) error {
		form.Error = msg
		return s.render(w, r, status, views.LoginPage(s.chrome(r, "Log in", ""), form))
	}

	addrKey := throttleAddr(r)
	acct := "account:" + strings.ToLower(email)
	addr := "address:" + addrKey
	pair := "pair:" + addrKey + " " + strings.ToLower(email)
	limits := []auth.Limit{{Key: pair, Max: auth.MaxFailuresPerPair}, {Key: addr, Max: auth.MaxFailuresPerAddress}}
	known := s.knownGood.Known(pair)
	if !known {
		limits = append(limits, auth.Limit{Key: acct, Max: auth.MaxFailuresPerAccount})
	}
	if ok, wait := s.throttle.Take(limits...); !ok {
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
	checkErr := s.hasher.Check(r.Context(), hash, password, known)
	if errors.Is(checkErr, auth.ErrBusy) {
		// Not the user's failure: the attempt does not count.
		for _, l := range limits {
			s.throttle.Forget(l.Key)
		}
		w.Header().Set("Retry-After", "2")
		return fail(http.StatusServiceUnavailable, busyMessage)
	}
	if checkErr != nil || err != nil || u.PasswordHash == nil {
		return fail(http.StatusUnauthorized, loginFailed)
	}
	s.throttle.Forget(addr)
	s.throttle.Reset(pair, acct)
	s.knownGood.Remember(pair)
	if err := s.login(r.Context(), u.ID); err != nil {
		return err
	}
	if next == "" {
		next = landing(u)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// busyMessage answers a login or sign-up that found too many password
// checks running or waiting.
const busyMessage = "The server is busy checking other passwords. Try again in a moment."

// safeNext keeps a post-login destination on this site: a path with one
// leading slash and no scheme or host once parsed, and no whitespace,
// control character or backslash anywhere. Browsers drop tabs and line
// breaks and read a backslash as a slash, so "/\t/evil.example" or
// "/\\evil.example" would leave the site. Anything else is home.
func safeNext(next, home string) string {
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
