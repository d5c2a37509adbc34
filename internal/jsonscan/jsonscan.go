// Package jsonscan walks JSON text that json.Valid has accepted, decoding
// only the strings asked for: the publish path's request walk (web) and its
// data validation (internal/webhook) both read members and strings this way.
// Nothing here checks the syntax again; on text that is not valid JSON a
// walk stops early or returns junk, and never panics.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// IsSpace reports whether c is JSON whitespace.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// SkipSpace returns the index of the first byte at or after i that is not
// JSON whitespace (len(b) when there is none).
func SkipSpace(b []byte, i int) int {
	for i < len(b) && IsSpace(b[i]) {
		i++
	}
	return i
}

// SkipString returns the index just past the string literal that starts
// at b[i].
func SkipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped byte cannot end the string
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// SkipValue returns the index just past the JSON value that starts at b[i].
func SkipValue(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return SkipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = SkipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	default: // a number, true, false or null
		for i < len(b) && !IsSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
			i++
		}
		return i
	}
}

// TrimSpace removes JSON whitespace (and only JSON whitespace) around b.
func TrimSpace(b []byte) []byte {
	for len(b) > 0 && IsSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && IsSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// Reader walks the members of an object or the elements of an array.
type Reader struct {
	b []byte
	i int // just past the opening bracket, then past the last value read
}

// Open starts a walk over the object or array b, which begins with its
// opening bracket (no space before it).
func Open(b []byte) Reader { return Reader{b: b, i: 1} }

// More moves to the next member or element and reports whether there is one.
func (r *Reader) More() bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == ',' {
		r.i++
		r.space()
	}
	return r.i < len(r.b) && r.b[r.i] != '}' && r.b[r.i] != ']'
}

// Member returns the next member of an object: its key, still a JSON
// string literal with its quotes, and its value.
func (r *Reader) Member() (key, value []byte) {
	key = r.Value()
	r.space()
	if r.i < len(r.b) && r.b[r.i] == ':' {
		r.i++
	}
	r.space()
	return key, r.Value()
}

// Value returns the next value, without surrounding space.
func (r *Reader) Value() []byte {
	start := r.i
	r.i = SkipValue(r.b, r.i)
	return r.b[start:r.i]
}

func (r *Reader) space() { r.i = SkipSpace(r.b, r.i) }

// String returns what the JSON value raw decodes to if it is a string, and
// false if it is another kind of value. raw must be valid JSON. A string
// without escapes is not copied for a []byte result (it is raw's bytes);
// any other goes through encoding/json, so that invalid UTF-8 and lone
// surrogates decode exactly as json.Unmarshal decodes them.
func String[T string | []byte](raw []byte) (T, bool) {
	var zero T
	if len(raw) < 2 || raw[0] != '"' {
		return zero, false
	}
	if s := raw[1 : len(raw)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return T(s), true // nothing to decode: the common case
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return zero, false
	}
	return T(s), true
}
