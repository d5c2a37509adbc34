package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email string  `json:"email"`
		Name  string  `json:"name"`
		ID    *string `json:"id"`
	}
	if _, err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	email, msg := checkEmail(in.Email)
	if msg != "" {
		fields["email"] = msg
	}
	if utf8.RuneCountInString(in.Name) > 200 {
		fields["name"] = "must be at most 200 characters"
	} else if strings.ContainsRune(in.Name, 0) {
		fields["name"] = "must not contain NUL characters"
	}
	id := webhook.NewID(webhook.PrefixUser)
	if in.ID != nil {
		if !webhook.UserIDPattern.MatchString(*in.ID) {
			fields["id"] = "must be user_ followed by 1 to 64 letters, digits, _ or -"
		}
		id = *in.ID
	}
	if len(fields) > 0 {
		return errValidation(fields)
	}
	u, err := s.store.UserCreate(r.Context(), store.NewUser{ID: id, Email: email, Name: strings.TrimSpace(in.Name)})
	if err != nil {
		if isConflict(err) {
			return &httpError{Status: http.StatusConflict, Code: "conflict", Message: "a user with this email or id already exists"}
		}
		return err
	}
	writeJSON(w, http.StatusCreated, toUserJSON(u))
	return nil
}

func (s *Server) apiUserGet(w http.ResponseWriter, r *http.Request) error {
	u, err := s.store.UserGet(r.Context(), r.PathValue("userId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserJSON(u))
	return nil
}
