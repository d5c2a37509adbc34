package webhook

// Validation of published data against the contract table (schema.go), in
// one pass over text json.Valid has accepted, with internal/jsonscan's walk.

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/clipcabinet/webhooks/internal/jsonscan"
)

// FieldErrors maps a JSON path ("data.title", "data.counts.frames",
// "data.tags[1]", "data.extraField") to a human message ("is required").
type FieldErrors map[string]string

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
	raw := jsonscan.TrimSpace(data)
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
	for r := jsonscan.Open(raw); r.More(); {
		literal, value := r.Member()
		key, _ := jsonscan.String[[]byte](literal)
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
		s, ok := jsonscan.String[[]byte](raw)
		if !ok {
			if f.nullable {
				v.fail(path, "must be a string or null")
			} else {
				v.fail(path, "must be a string")
			}
			return
		}
		if f.rule != nil {
			if msg := f.rule.check(string(s)); msg != "" {
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
		for r, i := jsonscan.Open(raw), 0; r.More(); i++ {
			e := r.Value()
			if string(e) == "null" {
				v.fail(path+"["+strconv.Itoa(i)+"]", "must not be null")
				continue
			}
			s, ok := jsonscan.String[[]byte](e)
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
