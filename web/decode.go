package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// maxFormBody bounds a dashboard form.
const maxFormBody = 64 << 10

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

// maxBody is the API's request body limit.
const maxBody = 1 << 20

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

// adminPageSize is how many deliveries the admin list shows per page.
const adminPageSize = 50

// maxHostFilter bounds the exact host filter: a URL's host fits (a DNS
// name is at most 253 characters, a port 6 more).
const maxHostFilter = 300

var sinceDurations = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// parseAdminFilter reads the admin filters from a query or form. With no
// status given the list shows failed deliveries; "any" shows all.
func (s *Server) parseAdminFilter(q url.Values) (views.AdminFilter, store.AdminFilter, string) {
	vf := views.AdminFilter{
		Status: q.Get("status"), User: strings.TrimSpace(q.Get("user")), Host: strings.TrimSpace(q.Get("host")),
		Event: q.Get("event"), Since: q.Get("since"), Query: strings.TrimSpace(q.Get("q")),
		Endpoint: strings.TrimSpace(q.Get("endpoint")), ExactHost: strings.TrimSpace(q.Get("exactHost")),
	}
	switch vf.Status {
	case "":
		vf.Status = "failed"
	case "any":
		vf.Status = ""
	}
	var problem string
	// PostgreSQL refuses text that is not UTF-8 or holds NUL: a filter
	// like that is the user's mistake, not a 500.
	for _, v := range []*string{&vf.User, &vf.Host, &vf.Query, &vf.ExactHost} {
		if !storableText(*v) {
			problem, *v = "The filters hold characters that cannot be searched for.", ""
		}
	}
	if vf.Status != "" && !slices.Contains(webhook.DeliveryStatuses, vf.Status) {
		problem, vf.Status = "Unknown status filter.", "failed"
	}
	if vf.Event != "" && !webhook.KnownEvent(vf.Event) {
		problem, vf.Event = "Unknown event type filter.", ""
	}
	if _, ok := sinceDurations[vf.Since]; !ok && vf.Since != "" {
		problem, vf.Since = "Unknown time range.", ""
	}
	if vf.Endpoint != "" && !webhook.ValidID(webhook.PrefixEndpoint, vf.Endpoint) {
		problem, vf.Endpoint = "An endpoint id is ep_ and 16 letters and digits, such as ep_2YwK3pQ8r5n6mZ4a.", ""
	}
	if len(vf.ExactHost) > maxHostFilter {
		problem, vf.ExactHost = fmt.Sprintf("A host is at most %d characters.", maxHostFilter), ""
	}
	var ff findFilter
	vf.Find, ff = parseFind(q)
	if len(vf.Find.Errors) > 0 && problem == "" {
		problem = findErrors(vf.Find)
	}
	sf := store.AdminFilter{Status: vf.Status, User: vf.User, Host: vf.Host, Event: vf.Event, Limit: adminPageSize,
		EndpointID: vf.Endpoint, ExactHost: vf.ExactHost,
		EventID: ff.EventID, Outcome: ff.Outcome, StatusCode: ff.Code, Before: ff.Before}
	if d, ok := sinceDurations[vf.Since]; ok {
		sf.Since = s.store.Now().Add(-d)
	}
	if ff.From.After(sf.Since) {
		sf.Since = ff.From
	}
	switch {
	case webhook.ValidID(webhook.PrefixDelivery, vf.Query):
		sf.DeliveryID = vf.Query
	case strings.HasPrefix(vf.Query, webhook.PrefixDelivery):
		if p, ok := idPrefix(vf.Query); ok {
			sf.IDPrefix = p
		} else if problem == "" {
			problem = "A delivery id is del_ and letters and digits, such as del_2YwK3pQ8r5n6mZ4a; its start is enough."
		}
	default:
		sf.RecordingID = vf.Query
	}
	if ff.RecordingID != "" {
		if sf.RecordingID != "" && sf.RecordingID != ff.RecordingID {
			problem = "Two different recording ids: clear one of them."
		}
		sf.RecordingID = ff.RecordingID
	}
	return vf, sf, problem
}

// listQuery is the drawer's filters and page, as in its URL.
type listQuery struct {
	Status, Event, Q, Cursor string
	Find                     views.FindFilter
	find                     findFilter
}

func parseListQuery(r *http.Request) listQuery {
	q := r.URL.Query()
	l := listQuery{Status: q.Get("status"), Event: q.Get("event"), Q: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor")}
	l.Find, l.find = parseFind(q)
	return l
}

// problem is what is wrong with the drawer's filters, for the user; "" if nothing.
func (l listQuery) problem() string {
	switch {
	case l.Status != "" && !slices.Contains(webhook.DeliveryStatuses, l.Status):
		return "Unknown status filter."
	case l.Event != "" && !webhook.KnownEvent(l.Event):
		return "Unknown event type filter."
	case l.Q != "":
		if _, ok := idPrefix(l.Q); !ok {
			return "A delivery id is del_ and letters and digits, such as del_2YwK3pQ8r5n6mZ4a; its start is enough."
		}
	}
	if len(l.Find.Errors) > 0 {
		return findErrors(l.Find)
	}
	return ""
}

// filter is the store's filter for the drawer's query over ep's
// deliveries, without its page. An unreadable q leaves IDPrefix empty.
func (l listQuery) filter(ep store.Endpoint) store.DeliveryFilter {
	f := store.DeliveryFilter{EndpointID: ep.ID, UserID: ep.UserID, Status: l.Status, Event: l.Event,
		RecordingID: l.find.RecordingID, EventID: l.find.EventID, Outcome: l.find.Outcome, StatusCode: l.find.Code}
	if l.Q != "" {
		f.IDPrefix, _ = idPrefix(l.Q)
	}
	if !l.find.From.IsZero() {
		f.Since = &l.find.From
	}
	if !l.find.Before.IsZero() {
		f.Before = &l.find.Before
	}
	return f
}
