package web

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// maxBody is the API's request body limit.
const maxBody = 1 << 20

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

// decodeJSON reads a JSON body of at most 1 MiB into v, rejecting unknown
// fields and trailing data, and returns the raw bytes.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	raw, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	return raw, decodeRaw(raw, v)
}

// decodeOptionalJSON is decodeJSON for a body that may be left out: an
// empty body leaves v as it is.
func decodeOptionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	raw, err := readBody(w, r)
	if err != nil || len(bytes.TrimSpace(raw)) == 0 {
		return err
	}
	return decodeRaw(raw, v)
}

// readBody reads a request body of at most 1 MiB.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &httpError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "the request body is larger than 1 MiB"}
	} else if err != nil {
		return nil, errBadRequest("could not read the request body")
	}
	return raw, nil
}

// decodeRaw decodes raw into v as decodeJSON describes.
func decodeRaw(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		if dec.More() {
			return errBadRequest("malformed JSON: unexpected data after the object")
		}
		if fields := checkKeys(raw, v); len(fields) > 0 {
			return errValidation(fields)
		}
		return nil
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return errBadRequest("the body must be a JSON object")
		}
		return errValidation(map[string]string{field: "must be " + jsonKind(typeErr.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errValidation(map[string]string{name: "is not a known field"})
	default:
		return errBadRequest("malformed JSON: " + strings.TrimPrefix(err.Error(), "json: "))
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value of the documented type"
	}
	return "a number"
}

// jsonTime renders as the contract's RFC 3339 UTC with milliseconds.
type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + webhook.FormatTime(time.Time(t)) + `"`), nil
}

func optTime(t *time.Time) *jsonTime {
	if t == nil {
		return nil
	}
	j := jsonTime(*t)
	return &j
}

type userJSON struct {
	ID        string   `json:"id"`
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Admin     bool     `json:"admin"`
	CreatedAt jsonTime `json:"createdAt"`
}

func toUserJSON(u db.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin, CreatedAt: jsonTime(u.CreatedAt)}
}

type endpointJSON struct {
	ID             string   `json:"id"`
	UserID         string   `json:"userId"`
	URL            string   `json:"url"`
	Description    string   `json:"description"`
	Events         []string `json:"events"`
	Enabled        bool     `json:"enabled"`
	DisabledReason *string  `json:"disabledReason"`
	CreatedAt      jsonTime `json:"createdAt"`
	UpdatedAt      jsonTime `json:"updatedAt"`
	// SecretActivatesAt is a pending secret's changeover time.
	SecretActivatesAt *jsonTime `json:"secretActivatesAt"`
	StandardWebhooks  bool      `json:"standardWebhooks"`
	Secret            string    `json:"secret,omitempty"`
}

func toEndpointJSON(e db.Endpoint) endpointJSON {
	return endpointJSON{
		ID: e.ID, UserID: e.UserID, URL: e.Url, Description: e.Description, Events: e.Events,
		Enabled: e.Enabled, DisabledReason: e.DisabledReason,
		CreatedAt: jsonTime(e.CreatedAt), UpdatedAt: jsonTime(e.UpdatedAt),
		SecretActivatesAt: optTime(e.SecretActivatesAt), StandardWebhooks: e.StandardWebhooks,
	}
}

type deliveryJSON struct {
	ID             string    `json:"id"`
	EventID        string    `json:"eventId"`
	EndpointID     string    `json:"endpointId"`
	UserID         string    `json:"userId"`
	Event          string    `json:"event"`
	Status         string    `json:"status"`
	AttemptCount   int32     `json:"attemptCount"`
	NextAttemptAt  *jsonTime `json:"nextAttemptAt"`
	LastStatusCode *int32    `json:"lastStatusCode"`
	CreatedAt      jsonTime  `json:"createdAt"`
	CompletedAt    *jsonTime `json:"completedAt"`
	FailureReason  *string   `json:"failureReason,omitempty"`
}

func toDeliveryJSON(d store.Delivery) deliveryJSON {
	return deliveryJSON{
		ID: d.ID, EventID: d.EventID, EndpointID: d.EndpointID, UserID: d.UserID, Event: d.EventType,
		Status: d.Status, AttemptCount: d.AttemptCount, NextAttemptAt: optTime(d.NextAttemptAt),
		LastStatusCode: d.LastStatusCode, CreatedAt: jsonTime(d.CreatedAt), CompletedAt: optTime(d.CompletedAt),
		FailureReason: d.FailureReason,
	}
}

type attemptJSON struct {
	Number            int32    `json:"number"`
	Trigger           string   `json:"trigger"`
	StartedAt         jsonTime `json:"startedAt"`
	DurationMs        int32    `json:"durationMs"`
	StatusCode        *int32   `json:"statusCode"`
	Outcome           string   `json:"outcome"`
	Error             *string  `json:"error"`
	ResponseBody      string   `json:"responseBody"`
	ResponseTruncated bool     `json:"responseTruncated"`
}

func toAttemptJSON(a db.Attempt) attemptJSON {
	return attemptJSON{
		Number: a.Number, Trigger: a.Trigger, StartedAt: jsonTime(a.StartedAt), DurationMs: a.DurationMs,
		StatusCode: a.StatusCode, Outcome: a.Outcome, Error: a.Error,
		ResponseBody: strings.ToValidUTF8(string(a.ResponseBody), "\uFFFD"), ResponseTruncated: a.ResponseTruncated,
	}
}

// apiActor is who the audit log names for API calls.
func apiActor(r *http.Request) store.Actor {
	return store.Actor{ID: store.ActorAPI, RemoteAddr: remoteIP(r)}
}

// checkKeys catches what encoding/json lets through: a key that matches a
// field only case-insensitively ("URL" for "url") and a key given twice.
// Both are refused, as api.md refuses unknown fields.
func checkKeys(raw []byte, v any) map[string]string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	known := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	seen := map[string]bool{}
	fields := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		switch {
		case !known[key]:
			fields[key] = "is not a known field"
		case seen[key]:
			fields[key] = "appears more than once"
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return fields
}
