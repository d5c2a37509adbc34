package webhook

// This file keeps the implementation of ValidateData and RenderBody from
// before they were rewritten as one append-based pass (it decoded with
// encoding/json tokens and re-encoded every string with a json.Encoder). It
// is the oracle of FuzzValidateData and TestRenderBodyMatchesReference: the
// rewrite must produce the same bytes and the same errors for every input.
// If the contract ever changes on purpose, change or delete this file with it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// referenceRenderBody is RenderBody as it was.
func referenceRenderBody(event, deliveryID string, occurredAt time.Time, data json.RawMessage) []byte {
	var b bytes.Buffer
	b.Grow(len(data) + len(event) + len(deliveryID) + 96)
	b.WriteString(`{"event":`)
	refWriteString(&b, event)
	b.WriteString(`,"deliveryId":`)
	refWriteString(&b, deliveryID)
	b.WriteString(`,"occurredAt":`)
	refWriteString(&b, FormatTime(occurredAt))
	b.WriteString(`,"data":`)
	if len(data) == 0 {
		b.WriteString("null")
	} else {
		b.Write(data)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func refWriteString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		b.WriteString(`""`)
		return
	}
	b.Truncate(b.Len() - 1)
}

// referenceValidateData is ValidateData as it was.
func referenceValidateData(event string, data json.RawMessage) (json.RawMessage, FieldErrors) {
	fields, ok := schemas[event]
	if !ok {
		if event == "" {
			return nil, FieldErrors{"event": "is required"}
		}
		return nil, FieldErrors{"event": "must be one of " + strings.Join([]string{
			EventRecordingCompleted, EventRecordingFailed, EventCommentAdded}, ", ")}
	}
	raw := refTrimSpace(data)
	if len(raw) == 0 {
		return nil, FieldErrors{"data": "is required"}
	}
	if !json.Valid(raw) {
		return nil, FieldErrors{"data": "must be valid JSON"}
	}
	v := refValidator{errs: FieldErrors{}}
	v.object("data", raw, fields)
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	return v.out.Bytes(), nil
}

// refValidator writes the canonical form while it collects errors; the output
// is thrown away if there are any.
type refValidator struct {
	out  bytes.Buffer
	errs FieldErrors
}

func (v *refValidator) fail(path, msg string) {
	v.errs[path] = msg
}

func (v *refValidator) object(path string, raw []byte, fields []field) {
	ms, err := refMembers(raw)
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
			v.fail(refChildPath(path, m.key), "is not allowed")
		}
	}

	v.out.WriteByte('{')
	for i, f := range fields {
		p := refChildPath(path, f.name)
		value, ok := values[f.name]
		if !ok {
			v.fail(p, "is required")
			continue // the output is discarded anyway
		}
		if i > 0 {
			v.out.WriteByte(',')
		}
		refWriteString(&v.out, f.name)
		v.out.WriteByte(':')
		v.value(p, value, f)
	}
	v.out.WriteByte('}')

	for _, key := range repeated {
		v.fail(refChildPath(path, key), "must appear only once")
	}
}

func (v *refValidator) value(path string, raw []byte, f field) {
	raw = refTrimSpace(raw)
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
		s, ok := refDecodeString(raw)
		if !ok {
			if f.nullable {
				v.fail(path, "must be a string or null")
			} else {
				v.fail(path, "must be a string")
			}
			return
		}
		if f.rule != nil {
			if msg := f.rule.check(s); msg != "" {
				v.fail(path, msg)
				return
			}
		}
		refWriteString(&v.out, s)
	case kindInteger:
		if msg := refCheckInteger(raw); msg != "" {
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
			e = refTrimSpace(e)
			if string(e) == "null" {
				v.fail(p, "must not be null")
				continue
			}
			s, ok := refDecodeString(e)
			if !ok {
				v.fail(p, "must be a string")
				continue
			}
			if i > 0 {
				v.out.WriteByte(',')
			}
			refWriteString(&v.out, s)
		}
		v.out.WriteByte(']')
	case kindObject:
		v.object(path, raw, f.fields)
	default:
		v.fail(path, "has an unknown type")
	}
}

func refDecodeString(raw []byte) (string, bool) {
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
func refCheckInteger(raw []byte) string {
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

type refMember struct {
	key   string
	value json.RawMessage
}

var errRefNotObject = errors.New("not a JSON object")

// members returns the members of the JSON object raw in input order,
// repeated keys included, which decoding into a map would hide.
func refMembers(raw []byte) ([]refMember, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errRefNotObject
	}
	var ms []refMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errRefNotObject
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		ms = append(ms, refMember{key: key, value: value})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errRefNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errRefNotObject
	}
	return ms, nil
}

// childPath names a member of the object at parent: parent.key for keys that
// look like identifiers, parent["key"] for any other key.
func refChildPath(parent, key string) string {
	if refIsIdentifier(key) {
		return parent + "." + key
	}
	var b bytes.Buffer
	b.WriteString(parent)
	b.WriteByte('[')
	refWriteString(&b, key)
	b.WriteByte(']')
	return b.String()
}

func refIsIdentifier(s string) bool {
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
func refTrimSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
