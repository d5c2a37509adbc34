package webhook

import (
	"bytes"
	"encoding/json"
	"time"
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
	var b bytes.Buffer
	b.Grow(len(data) + len(event) + len(deliveryID) + 96)
	b.WriteString(`{"event":`)
	writeString(&b, event)
	b.WriteString(`,"deliveryId":`)
	writeString(&b, deliveryID)
	b.WriteString(`,"occurredAt":`)
	writeString(&b, FormatTime(occurredAt))
	b.WriteString(`,"data":`)
	if len(data) == 0 {
		b.WriteString("null")
	} else {
		b.Write(data)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// writeString appends s as a JSON string the way encoding/json writes it,
// except that <, > and & are left literal (U+2028 and U+2029 are still
// escaped, invalid UTF-8 becomes U+FFFD).
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		// Encoding a string cannot fail; keep the output valid JSON anyway.
		b.WriteString(`""`)
		return
	}
	b.Truncate(b.Len() - 1) // Encode ends every value with a newline
}
