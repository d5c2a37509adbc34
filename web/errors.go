package web

import (
	"errors"
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
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

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

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
