package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// Sign-up is closed by CLIPCABINET_SIGNUP_OPEN=false: the page is then a 404.

func (s *Server) dashUserNew(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.SignupOpen {
		return errNotFound()
	}
	if _, ok := currentUser(r.Context()); ok {
		http.Redirect(w, r, "/endpoints", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, views.SignupPage(s.chrome(r, "Sign up", ""), views.SignupForm{}))
}

func (s *Server) dashUserCreate(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.SignupOpen {
		return errNotFound()
	}
	form := views.SignupForm{
		Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Errors: map[string]string{},
	}
	email, msg := checkEmail(form.Email)
	if msg != "" {
		form.Errors["email"] = msg
	}
	if len(form.Name) > 200 {
		form.Errors["name"] = "must be at most 200 characters"
	}
	password := r.PostFormValue("password")
	if msg := auth.CheckPasswordStrength(password); msg != "" {
		form.Errors["password"] = msg
	}
	invalid := func() error {
		return s.render(w, r, http.StatusUnprocessableEntity, views.SignupPage(s.chrome(r, "Sign up", ""), form))
	}
	if len(form.Errors) > 0 {
		return invalid()
	}
	// Counted before anything costs: a sign-up is a password hash.
	addr := "address:" + throttleAddr(r)
	if ok, wait := s.signups.Take(auth.Limit{Key: addr, Max: auth.MaxSignupsPerAddress}); !ok {
		form.Error = fmt.Sprintf("Too many sign-ups from your address. Try again in %s.", minutes(wait))
		return s.render(w, r, http.StatusTooManyRequests, views.SignupPage(s.chrome(r, "Sign up", ""), form))
	}
	taken := func() error {
		form.Errors["email"] = "an account with this email already exists: log in instead"
		return invalid()
	}
	// The duplicate is found before hashing (the unique index still
	// decides a race).
	if _, err := s.store.UserByEmail(r.Context(), email); err == nil {
		return taken()
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash, err := s.hasher.Hash(r.Context(), password)
	if errors.Is(err, auth.ErrBusy) {
		s.signups.Forget(addr)
		w.Header().Set("Retry-After", "2")
		form.Error = busyMessage
		return s.render(w, r, http.StatusServiceUnavailable, views.SignupPage(s.chrome(r, "Sign up", ""), form))
	} else if err != nil {
		return err
	}
	u, err := s.store.UserCreate(r.Context(), store.NewUser{ID: webhook.NewID(webhook.PrefixUser), Email: email, Name: form.Name, PasswordHash: &hash})
	if isConflict(err) {
		return taken()
	} else if err != nil {
		return err
	}
	if err := s.login(r.Context(), u.ID); err != nil {
		return err
	}
	s.flash(r.Context(), "ok", "Welcome! Add an endpoint to start receiving webhooks.")
	http.Redirect(w, r, "/endpoints", http.StatusSeeOther)
	return nil
}
