package webhook

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// TimeFormat is the layout of every time in payloads and the API: RFC 3339 in
// UTC with exactly three fractional digits, e.g. 2026-04-30T22:00:14.512Z.
// Format it with [FormatTime], which converts to UTC first.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// FormatTime renders t as RFC 3339 UTC with exactly 3 fractional digits,
// e.g. 2026-04-30T22:00:14.512Z. Sub-millisecond digits are truncated.
func FormatTime(t time.Time) string {
	return t.UTC().Format(TimeFormat)
}

// RenderBody builds the exact delivery body:
//
//	{"event":...,"deliveryId":...,"occurredAt":...,"data":...}
//
// in that key order, compact, without HTML escaping and without a trailing
// newline. data must be the canonical output of [ValidateData] (or
// [SampleData]); it is copied as is, and empty data is written as null.
func RenderBody(event, deliveryID string, occurredAt time.Time, data json.RawMessage) []byte {
	const frame = len(`{"event":"","deliveryId":"","occurredAt":"2026-04-30T22:00:14.512Z","data":null}`)
	b := make([]byte, 0, frame+len(event)+len(deliveryID)+len(data))
	b = append(b, `{"event":`...)
	b = appendString(b, event)
	b = append(b, `,"deliveryId":`...)
	b = appendString(b, deliveryID)
	// FormatTime's output has nothing to escape.
	b = append(b, `,"occurredAt":"`...)
	b = occurredAt.UTC().AppendFormat(b, TimeFormat)
	b = append(b, `","data":`...)
	if len(data) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, data...)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string the way encoding/json writes it
// with HTML escaping off: <, > and & stay literal, U+2028 and U+2029 are
// still escaped, and each byte of invalid UTF-8 becomes \ufffd. It is
// encoding/json's own appendString with escapeHTML false, copied so that
// writing a string costs neither an Encoder nor a copy.
func appendString[S string | []byte](dst []byte, s S) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		// Converting at most 4 bytes keeps the string on the stack.
		n := min(len(s)-i, utf8.UTFMax)
		r, size := utf8.DecodeRuneInString(string(s[i : i+n]))
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
