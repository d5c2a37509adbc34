package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
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
}

// schemas holds each event's data schema, in the key order of webhooks.md.
var schemas = map[string][]field{
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
}

func notEmpty(s string) string {
	if s == "" {
		return "must not be empty"
	}
	return ""
}

func userID(s string) string {
	if len(s) <= len(PrefixUser) || !strings.HasPrefix(s, PrefixUser) {
		return `must be a user id starting with "user_"`
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
	fields, ok := schemas[event]
	if !ok {
		if event == "" {
			return nil, FieldErrors{"event": "is required"}
		}
		return nil, FieldErrors{"event": "must be one of " + strings.Join([]string{
			EventRecordingCompleted, EventRecordingFailed, EventCommentAdded}, ", ")}
	}
	raw := trimSpace(data)
	if len(raw) == 0 {
		return nil, FieldErrors{"data": "is required"}
	}
	if !json.Valid(raw) {
		return nil, FieldErrors{"data": "must be valid JSON"}
	}
	v := validator{errs: FieldErrors{}}
	v.object("data", raw, fields)
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	return v.out.Bytes(), nil
}

// validator writes the canonical form while it collects errors; the output
// is thrown away if there are any.
type validator struct {
	out  bytes.Buffer
	errs FieldErrors
}

func (v *validator) fail(path, msg string) {
	v.errs[path] = msg
}

func (v *validator) object(path string, raw []byte, fields []field) {
	ms, err := members(raw)
	if err != nil {
		v.fail(path, "must be an object")
		return
	}
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.name] = true
	}
	values := make(map[string]json.RawMessage, len(ms))
	var repeated []string
	for _, m := range ms {
		if _, dup := values[m.key]; dup {
			repeated = append(repeated, m.key)
			continue
		}
		values[m.key] = m.value
		if !known[m.key] {
			v.fail(childPath(path, m.key), "is not allowed")
		}
	}

	v.out.WriteByte('{')
	for i, f := range fields {
		p := childPath(path, f.name)
		value, ok := values[f.name]
		if !ok {
			v.fail(p, "is required")
			continue // the output is discarded anyway
		}
		if i > 0 {
			v.out.WriteByte(',')
		}
		writeString(&v.out, f.name)
		v.out.WriteByte(':')
		v.value(p, value, f)
	}
	v.out.WriteByte('}')

	for _, key := range repeated {
		v.fail(childPath(path, key), "must appear only once")
	}
}

func (v *validator) value(path string, raw []byte, f field) {
	raw = trimSpace(raw)
	if string(raw) == "null" {
		if !f.nullable {
			v.fail(path, "must not be null")
			return
		}
		v.out.WriteString("null")
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
			if msg := f.check(s); msg != "" {
				v.fail(path, msg)
				return
			}
		}
		writeString(&v.out, s)
	case kindInteger:
		if msg := checkInteger(raw); msg != "" {
			v.fail(path, msg)
			return
		}
		v.out.Write(raw)
	case kindBoolean:
		if string(raw) != "true" && string(raw) != "false" {
			v.fail(path, "must be a boolean")
			return
		}
		v.out.Write(raw)
	case kindStringArray:
		var elems []json.RawMessage
		if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &elems) != nil {
			v.fail(path, "must be an array of strings")
			return
		}
		v.out.WriteByte('[')
		for i, e := range elems {
			p := path + "[" + strconv.Itoa(i) + "]"
			e = trimSpace(e)
			if string(e) == "null" {
				v.fail(p, "must not be null")
				continue
			}
			s, ok := decodeString(e)
			if !ok {
				v.fail(p, "must be a string")
				continue
			}
			if i > 0 {
				v.out.WriteByte(',')
			}
			writeString(&v.out, s)
		}
		v.out.WriteByte(']')
	case kindObject:
		v.object(path, raw, f.fields)
	default:
		v.fail(path, "has an unknown type")
	}
}

func decodeString(raw []byte) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
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

type member struct {
	key   string
	value json.RawMessage
}

var errNotObject = errors.New("not a JSON object")

// members returns the members of the JSON object raw in input order,
// repeated keys included, which decoding into a map would hide.
func members(raw []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errNotObject
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		ms = append(ms, member{key: key, value: value})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNotObject
	}
	return ms, nil
}

// childPath names a member of the object at parent: parent.key for keys that
// look like identifiers, parent["key"] for any other key.
func childPath(parent, key string) string {
	if isIdentifier(key) {
		return parent + "." + key
	}
	var b bytes.Buffer
	b.WriteString(parent)
	b.WriteByte('[')
	writeString(&b, key)
	b.WriteByte(']')
	return b.String()
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
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
