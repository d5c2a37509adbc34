package web

import (
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
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	u, err := s.store.UserCreate(r.Context(), store.NewUser{ID: webhook.NewID("user_"), Email: email, Name: form.Name, PasswordHash: &hash})
	if isConflict(err) {
		form.Errors["email"] = "an account with this email already exists: log in instead"
		return invalid()
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
