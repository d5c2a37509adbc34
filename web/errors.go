package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/store"
)

// httpError is an error with the status and message the client sees.
type httpError struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string // validation errors keyed by JSON path
}

func (e *httpError) Error() string { return e.Message }

func errNotFound() error {
	return &httpError{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
}

func errValidation(fields map[string]string) error {
	return &httpError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: "the request has invalid fields", Fields: fields}
}

func errBadRequest(msg string) error {
	return &httpError{Status: http.StatusBadRequest, Code: "bad_request", Message: msg}
}

// asHTTPError classifies any handler error: the store's sentinels get their
// status, anything else is a 500 that is logged and never shown.
func asHTTPError(err error) *httpError {
	var he *httpError
	var conflict *store.Conflict
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &conflict):
		return &httpError{Status: http.StatusConflict, Code: "conflict", Message: conflict.Msg}
	case errors.Is(err, store.ErrSecretNotStandard):
		msg := "this endpoint's secret is of an older form that Standard Webhooks libraries cannot use: rotate the secret first, then turn Standard Webhooks on"
		return &httpError{Status: http.StatusUnprocessableEntity, Code: "secret_not_standard", Message: msg, Fields: map[string]string{"standardWebhooks": msg}}
	case errors.Is(err, store.ErrNotFound):
		return &httpError{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	case errors.Is(err, store.ErrConflict):
		return &httpError{Status: http.StatusConflict, Code: "conflict", Message: "that already exists"}
	case errors.Is(err, store.ErrUnavailable):
		return &httpError{Status: http.StatusServiceUnavailable, Code: "database_unavailable", Message: "the database is unavailable; try again shortly"}
	}
	return &httpError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
}

// apiHandler is an API action; its error becomes the contract's error body.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) api(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		switch {
		case !storableText(r.URL.Path):
			// No id holds such bytes, and PostgreSQL refuses them outright.
			err = errNotFound()
		case !queryStorable(r):
			err = errBadRequest("query parameters must be UTF-8 text without NUL characters")
		default:
			err = h(w, r)
		}
		if err == nil {
			return
		}
		he := asHTTPError(err)
		if he.Status >= 500 {
			s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		writeAPIError(w, he)
	})
}

func writeAPIError(w http.ResponseWriter, he *httpError) {
	body := map[string]any{"code": he.Code, "message": he.Message}
	if len(he.Fields) > 0 {
		body["fields"] = he.Fields
	}
	writeJSON(w, he.Status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Default().Debug("write json", "err", err)
	}
}

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

// storableText reports whether PostgreSQL can hold s in a text column:
// valid UTF-8 without NUL. Anything else from a client is bad input, not a 500.
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func queryStorable(r *http.Request) bool {
	for k, vs := range r.URL.Query() {
		if !storableText(k) {
			return false
		}
		for _, v := range vs {
			if !storableText(v) {
				return false
			}
		}
	}
	return true
}
