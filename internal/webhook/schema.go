package webhook

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/jsonscan"
)

// FieldErrors maps a JSON path ("data.title", "data.counts.frames",
// "data.tags[1]", "data.extraField") to a human message ("is required").
type FieldErrors map[string]string

// maxInteger is the largest integer a JavaScript receiver parses exactly
// (Number.MAX_SAFE_INTEGER).
const maxInteger = 1<<53 - 1

type valueKind int

const (
	kindString valueKind = iota
	kindInteger
	kindBoolean
	kindStringArray
	kindObject
)

// field is one member of an event's data schema. Schemas are ordered slices
// because the order is part of the contract: it is the order of the keys in
// the canonical body.
type field struct {
	name     string
	kind     valueKind
	nullable bool
	// check adds a rule to a string field; it returns an error message or "".
	check func(string) string
	// fields are the members of a kindObject field.
	fields []field
	// path is the field's JSON path ("data.counts.frames"), set once by
	// withPaths so that validating good data builds no path strings.
	path string
}

// maxFields bounds the fields of one object in any schema; see object.
const maxFields = 16

// schemas holds each event's data schema, in the key order of webhooks.md.
var schemas = withPaths(map[string][]field{
	EventRecordingCompleted: {
		{name: "recordingId", kind: kindString, check: notEmpty},
		{name: "userId", kind: kindString, check: userID},
		{name: "title", kind: kindString},
		{name: "kind", kind: kindString, check: recordingKind},
		{name: "source", kind: kindString},
		{name: "sourceUrl", kind: kindString},
		{name: "sourceDomain", kind: kindString},
		{name: "durationSec", kind: kindInteger},
		{name: "tags", kind: kindStringArray},
		{name: "starred", kind: kindBoolean},
		{name: "summary", kind: kindString},
		{name: "counts", kind: kindObject, fields: []field{
			{name: "transcriptTurns", kind: kindInteger},
			{name: "frames", kind: kindInteger},
			{name: "artifacts", kind: kindInteger},
		}},
		{name: "links", kind: kindObject, fields: []field{
			{name: "appUrl", kind: kindString},
			{name: "shareUrl", kind: kindString, nullable: true},
		}},
		{name: "createdAt", kind: kindString, check: timestamp},
	},
	EventRecordingFailed: {
		{name: "recordingId", kind: kindString, check: notEmpty},
		{name: "userId", kind: kindString, check: userID},
		{name: "title", kind: kindString, nullable: true},
		{name: "kind", kind: kindString, check: recordingKind},
		{name: "errorMessage", kind: kindString},
		{name: "createdAt", kind: kindString, check: timestamp},
	},
	EventCommentAdded: {
		{name: "commentId", kind: kindString},
		{name: "recordingId", kind: kindString, check: notEmpty},
		{name: "recordingTitle", kind: kindString},
		{name: "authorName", kind: kindString},
		{name: "body", kind: kindString},
		{name: "timestampMs", kind: kindInteger},
		{name: "links", kind: kindObject, fields: []field{
			{name: "appUrl", kind: kindString},
		}},
		{name: "createdAt", kind: kindString, check: timestamp},
	},
})

// withPaths sets the path of every field in schemas, rooted at "data".
func withPaths(schemas map[string][]field) map[string][]field {
	var set func(parent string, fields []field)
	set = func(parent string, fields []field) {
		if len(fields) > maxFields {
			panic("webhook: a schema object has more than maxFields fields")
		}
		for i := range fields {
			fields[i].path = childPath(parent, fields[i].name)
			set(fields[i].path, fields[i].fields)
		}
	}
	for _, fields := range schemas {
		set("data", fields)
	}
	return schemas
}

func notEmpty(s string) string {
	if s == "" {
		return "must not be empty"
	}
	return ""
}

func userID(s string) string {
	if len(s) <= len(PrefixUser) || !strings.HasPrefix(s, PrefixUser) {
		return `must be a user id starting with "` + PrefixUser + `"`
	}
	return ""
}

func recordingKind(s string) string {
	if s != "video" && s != "screenshot" {
		return `must be "video" or "screenshot"`
	}
	return ""
}

// timestamp accepts RFC 3339 date-times. time.Parse is a little more lenient
// than the RFC (a comma before the fraction, zone offsets up to 24:59), and
// receivers parse this value, so those are refused too.
func timestamp(s string) string {
	const msg = "must be an RFC 3339 timestamp"
	if _, err := time.Parse(time.RFC3339, s); err != nil || strings.ContainsRune(s, ',') {
		return msg
	}
	// A successful parse leaves at least "2006-01-02T15:04:05Z".
	if zone := s[len(s)-6:]; (zone[0] == '+' || zone[0] == '-') && zone[1:3] > "23" {
		return msg
	}
	return ""
}

// ValidateData checks data published for event against that event's schema
// in webhooks.md (see the package documentation for the rules) and returns it
// in canonical form: compact, keys in schema order, no HTML escaping, strings
// as decoded, integers as their literal.
//
// On failure it returns nil and one error per bad field, keyed "data.<path>";
// an unknown event is reported under "event" and data that is not an object
// under "data". It never panics, whatever the input.
func ValidateData(event string, data json.RawMessage) (json.RawMessage, FieldErrors) {
	valid, errs := Validate(event, data)
	return valid.Data, errs
}

// Validated is event data that passed [Validate].
type Validated struct {
	// Data is the canonical form, as [ValidateData] returns it.
	Data json.RawMessage
	// UserID and RecordingID are data.userId and data.recordingId as
	// decoded, "" for an event without them, so that callers need not
	// parse Data again to find them.
	UserID, RecordingID string
}

// Validate is [ValidateData], also returning the ids the store indexes.
// On failure the Validated is empty.
func Validate(event string, data json.RawMessage) (Validated, FieldErrors) {
	fields, ok := schemas[event]
	if !ok {
		if event == "" {
			return Validated{}, FieldErrors{"event": "is required"}
		}
		return Validated{}, FieldErrors{"event": "must be one of " + strings.Join([]string{
			EventRecordingCompleted, EventRecordingFailed, EventCommentAdded}, ", ")}
	}
	raw := trimSpace(data)
	if len(raw) == 0 {
		return Validated{}, FieldErrors{"data": "is required"}
	}
	// Checking the syntax first lets the validator walk the text without
	// checking it again, and keeps encoding/json the judge of what is JSON.
	if !json.Valid(raw) {
		return Validated{}, FieldErrors{"data": "must be valid JSON"}
	}
	v := validator{out: make([]byte, 0, len(raw))}
	v.object("data", raw, fields)
	if len(v.errs) > 0 {
		return Validated{}, v.errs
	}
	return Validated{Data: v.out, UserID: v.userID, RecordingID: v.recordingID}, nil
}

// validator appends the canonical form to out while it collects errors; the
// output is thrown away if there are any. It walks text that json.Valid has
// accepted, in one pass, and decodes only strings.
type validator struct {
	out                 []byte
	errs                FieldErrors // nil until the first error
	userID, recordingID string
}

func (v *validator) fail(path, msg string) {
	if v.errs == nil {
		v.errs = FieldErrors{}
	}
	v.errs[path] = msg
}

// object validates the object raw against fields. A key given twice keeps
// its first value and is reported once every field has been checked, so
// that "must appear only once" wins over anything said about that path.
func (v *validator) object(path string, raw []byte, fields []field) {
	if len(raw) == 0 || raw[0] != '{' {
		v.fail(path, "must be an object")
		return
	}
	// values[i] is the first value given for fields[i], nil if none yet.
	// Schemas are small, so this lives on the stack (withPaths checks it).
	var buf [maxFields][]byte
	values := buf[:len(fields)]
	var unknown map[string]bool
	var repeated []string
	for r := (reader{b: raw, i: 1}); r.more(); {
		literal, value := r.member()
		key, _ := decodeString(literal)
		i := fieldIndex(fields, key)
		switch {
		case i >= 0 && values[i] == nil:
			values[i] = value
		case i >= 0 || unknown[string(key)]:
			repeated = append(repeated, string(key))
		default:
			if unknown == nil {
				unknown = map[string]bool{}
			}
			unknown[string(key)] = true
			v.fail(childPath(path, string(key)), "is not allowed")
		}
	}

	v.out = append(v.out, '{')
	for i, f := range fields {
		if values[i] == nil {
			v.fail(f.path, "is required")
			continue // the output is discarded anyway
		}
		if i > 0 {
			v.out = append(v.out, ',')
		}
		v.out = appendString(v.out, f.name)
		v.out = append(v.out, ':')
		v.value(values[i], f)
	}
	v.out = append(v.out, '}')

	for _, key := range repeated {
		v.fail(childPath(path, key), "must appear only once")
	}
}

func fieldIndex(fields []field, key []byte) int {
	for i := range fields {
		if fields[i].name == string(key) {
			return i
		}
	}
	return -1
}

// value validates raw, one whole JSON value without surrounding space, as
// the field f, and appends its canonical form.
func (v *validator) value(raw []byte, f field) {
	path := f.path
	if string(raw) == "null" {
		if !f.nullable {
			v.fail(path, "must not be null")
			return
		}
		v.out = append(v.out, "null"...)
		return
	}
	switch f.kind {
	case kindString:
		s, ok := decodeString(raw)
		if !ok {
			if f.nullable {
				v.fail(path, "must be a string or null")
			} else {
				v.fail(path, "must be a string")
			}
			return
		}
		if f.check != nil {
			if msg := f.check(string(s)); msg != "" {
				v.fail(path, msg)
				return
			}
		}
		switch path {
		case "data.userId":
			v.userID = string(s)
		case "data.recordingId":
			v.recordingID = string(s)
		}
		v.out = appendString(v.out, s)
	case kindInteger:
		if msg := checkInteger(raw); msg != "" {
			v.fail(path, msg)
			return
		}
		v.out = append(v.out, raw...)
	case kindBoolean:
		if string(raw) != "true" && string(raw) != "false" {
			v.fail(path, "must be a boolean")
			return
		}
		v.out = append(v.out, raw...)
	case kindStringArray:
		if raw[0] != '[' {
			v.fail(path, "must be an array of strings")
			return
		}
		v.out = append(v.out, '[')
		for r, i := (reader{b: raw, i: 1}), 0; r.more(); i++ {
			e := r.value()
			if string(e) == "null" {
				v.fail(path+"["+strconv.Itoa(i)+"]", "must not be null")
				continue
			}
			s, ok := decodeString(e)
			if !ok {
				v.fail(path+"["+strconv.Itoa(i)+"]", "must be a string")
				continue
			}
			if i > 0 {
				v.out = append(v.out, ',')
			}
			v.out = appendString(v.out, s)
		}
		v.out = append(v.out, ']')
	case kindObject:
		v.object(path, raw, f.fields)
	default:
		v.fail(path, "has an unknown type")
	}
}

// decodeString returns what the JSON string raw decodes to, or false if raw
// is another kind of value. raw must be valid JSON.
func decodeString(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	if s := raw[1 : len(raw)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return s, true // nothing to decode: the common case, and no copy
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}

// checkInteger returns an error message unless raw is a JSON number literal
// made of digits only (no sign, fraction or exponent) no larger than
// maxInteger. Valid JSON has no leading zeros, so the literal is canonical.
func checkInteger(raw []byte) string {
	const msg = "must be a non-negative integer"
	if len(raw) == 0 {
		return msg
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return msg
		}
	}
	if len(raw) > 1 && raw[0] == '0' {
		return msg
	}
	n, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil || n > maxInteger {
		return "must be at most " + strconv.FormatUint(maxInteger, 10)
	}
	return ""
}

// reader walks the members of an object or the elements of an array in JSON
// text that json.Valid has accepted. It does not check the syntax again; on
// text that is not valid JSON it stops early or returns junk, never panics.
type reader struct {
	b []byte
	i int // just past the opening bracket, then past the last value read
}

// more moves to the next member or element and reports whether there is one.
func (r *reader) more() bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == ',' {
		r.i++
		r.space()
	}
	return r.i < len(r.b) && r.b[r.i] != '}' && r.b[r.i] != ']'
}

// member returns the next member of an object: its key, still a JSON
// string literal, and its value.
func (r *reader) member() (key, value []byte) {
	key = r.value()
	r.space()
	if r.i < len(r.b) && r.b[r.i] == ':' {
		r.i++
	}
	r.space()
	return key, r.value()
}

// value returns the next value, without surrounding space.
func (r *reader) value() []byte {
	start := r.i
	r.i = jsonscan.SkipValue(r.b, r.i)
	return r.b[start:r.i]
}

func (r *reader) space() {
	for r.i < len(r.b) && jsonscan.IsSpace(r.b[r.i]) {
		r.i++
	}
}

// childPath names a member of the object at parent: parent.key for keys that
// look like identifiers, parent["key"] for any other key.
func childPath(parent, key string) string {
	if isIdentifier(key) {
		return parent + "." + key
	}
	b := make([]byte, 0, len(parent)+len(key)+4)
	b = append(b, parent...)
	b = append(b, '[')
	b = appendString(b, key)
	b = append(b, ']')
	return string(b)
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// trimSpace removes JSON whitespace (and only JSON whitespace) around b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && jsonscan.IsSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && jsonscan.IsSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
