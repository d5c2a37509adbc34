package web

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// attemptHeaders are the headers an attempt sent at now carries, in the
// order internal/dispatch's send sets them: the five ClipCabinet headers,
// then the Standard Webhooks ones when the endpoint has them on.
func attemptHeaders(sec store.Secrets, standard bool, event, deliveryID string, body []byte, now time.Time) [][2]string {
	h := [][2]string{
		{"Content-Type", webhook.ContentType},
		{"User-Agent", webhook.UserAgent},
		{webhook.HeaderEvent, event},
		{webhook.HeaderDelivery, deliveryID},
		{webhook.HeaderSignature, webhook.Sign(sec.Active, body)},
	}
	active, ok := webhook.StandardKey(sec.Active)
	if !standard || !ok {
		return h
	}
	keys := [][]byte{active}
	if pending, ok := webhook.StandardKey(sec.Pending); ok && sec.Pending != "" {
		keys = append(keys, pending)
	}
	ts := now.Unix()
	return append(h,
		[2]string{webhook.HeaderStandardID, deliveryID},
		[2]string{webhook.HeaderStandardTimestamp, strconv.FormatInt(ts, 10)},
		[2]string{webhook.HeaderStandardSignature, webhook.StandardSignatures(keys, deliveryID, ts, body)},
	)
}

// curlCommand is a POSIX shell command that POSTs body to url with headers,
// byte for byte: every argument is single-quoted (see shellQuote), and
// --data-binary sends the quoted bytes unchanged. ok is
// false for a body a shell argument cannot hold (a NUL byte) or a page
// cannot show exactly (invalid UTF-8).
func curlCommand(url string, headers [][2]string, body []byte) (cmd string, ok bool) {
	if bytes.IndexByte(body, 0) >= 0 || strings.IndexByte(url, 0) >= 0 || !utf8.Valid(body) {
		return "", false
	}
	var b strings.Builder
	b.WriteString("curl -sS -X POST ")
	b.WriteString(shellQuote(url))
	for _, h := range headers {
		b.WriteString(" \\\n  -H ")
		b.WriteString(shellQuote(h[0] + ": " + h[1]))
	}
	b.WriteString(" \\\n  --data-binary ")
	b.WriteString(shellQuote(string(body)))
	return b.String(), true
}

// shellQuote quotes s for a POSIX shell: inside single quotes nothing is
// special except the single quote itself, which ends the string, is
// written escaped, and starts a new one.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
