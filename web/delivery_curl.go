package web

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// attemptHeaders are the headers an attempt sent at now carries
// (webhook.AttemptHeaders, as the dispatcher sends them), with the
// endpoint's secrets as they are now.
func attemptHeaders(sec store.Secrets, standard bool, event, deliveryID string, body []byte, now time.Time) []webhook.Header {
	var keys [][]byte
	if active, ok := webhook.StandardKey(sec.Active); standard && ok {
		keys = [][]byte{active}
		if pending, ok := webhook.StandardKey(sec.Pending); ok && sec.Pending != "" {
			keys = append(keys, pending)
		}
	}
	return webhook.AttemptHeaders(event, deliveryID, body, sec.Active, keys, now.Unix())
}

// curlCommand is a POSIX shell command that POSTs body to url with headers,
// byte for byte: every argument is single-quoted (see shellQuote), and
// --data-binary sends the quoted bytes unchanged. ok is
// false for a body a shell argument cannot hold (a NUL byte) or a page
// cannot show exactly (invalid UTF-8).
func curlCommand(url string, headers []webhook.Header, body []byte) (cmd string, ok bool) {
	if bytes.IndexByte(body, 0) >= 0 || strings.IndexByte(url, 0) >= 0 || !utf8.Valid(body) {
		return "", false
	}
	var b strings.Builder
	b.WriteString("curl -sS -X POST ")
	b.WriteString(shellQuote(url))
	for _, h := range headers {
		b.WriteString(" \\\n  -H ")
		b.WriteString(shellQuote(h.Name + ": " + h.Value))
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
