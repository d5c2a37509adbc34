package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/jsonhtml"
	"github.com/clipcabinet/webhooks/internal/jsonscan"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// shownBody is how much of a body's text the Request and Response tabs
// show (after pretty-printing): more is cut, with a note.
const shownBody = 32 << 10

// requestHeaders are the headers of the delivery's last attempt (of one
// made now, before the first), as webhook.AttemptHeaders makes them for
// the dispatcher, and the note on their signatures. Signatures are not
// stored: they are computed again with the endpoint's current secret,
// which is what the last attempt used unless the secret changed since.
// They let their holder pass the body off as ours, so only the endpoint's
// owner (viewerID) sees them; anyone else reads "(not shown)".
func (s *Server) requestHeaders(d store.DeliveryDetail, ep store.Endpoint, viewerID string) ([]views.Header, string) {
	sentAt, which := s.store.Now(), "an attempt made now"
	if n := len(d.Attempts); n > 0 {
		sentAt, which = d.Attempts[n-1].StartedAt, fmt.Sprintf("attempt #%d", d.Attempts[n-1].Number)
	}
	var hs []webhook.Header
	var note string
	switch {
	case ep.UserID != viewerID:
		note = "Signatures not shown: only the endpoint's owner sees them."
	case d.Body == nil || ep.DeletedAt != nil:
		note = "Signatures not shown: the endpoint was deleted or the payload expired."
	default:
		sec, err := s.store.EndpointSigningSecrets(ep)
		if err != nil {
			note = "Signatures not shown: the signing secret could not be read."
			break
		}
		hs = attemptHeaders(sec, ep.StandardWebhooks, d.EventType, d.ID, d.Body, sentAt)
		note = "Signatures are not stored: each attempt is signed as it is sent, with the secret active then. Shown: the headers of " +
			which + ", signed with the endpoint's current secret, as sent unless the secret changed since."
	}
	if hs == nil {
		var std [][]byte
		if ep.StandardWebhooks {
			std = [][]byte{{0}}
		}
		hs = webhook.AttemptHeaders(d.EventType, d.ID, d.Body, "", std, sentAt.Unix())
		for i, h := range hs {
			if h.Name == webhook.HeaderSignature || h.Name == webhook.HeaderStandardSignature {
				hs[i].Value = "(not shown)"
			}
		}
	}
	out := make([]views.Header, 0, len(hs)+1)
	for _, h := range hs {
		out = append(out, views.Header{Name: h.Name, Value: h.Value})
	}
	if d.Body != nil {
		// net/http adds it: the body is sent whole, not chunked.
		out = append(out, views.Header{Name: "Content-Length", Value: strconv.Itoa(len(d.Body))})
	}
	return out, note
}

// bodyView is a body as a tab shows it: JSON pretty-printed and
// highlighted, other text verbatim, both cut at shownBody; a body that is
// not UTF-8 text (or holds a NUL) is not shown, only its size.
func bodyView(b []byte) views.BodyView {
	v := views.BodyView{Size: len(b)}
	switch {
	case len(b) == 0:
		return v
	case !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0:
		v.Note = fmt.Sprintf("Binary content (%s), not UTF-8 text: not shown.", sizeText(len(b)))
		return v
	}
	html, cut, ok := jsonhtml.Highlight(b, shownBody)
	if ok {
		v.HTML = html
	} else {
		text, n := string(b), shownBody
		cut = len(text) > n
		if cut {
			for !utf8.RuneStart(text[n]) {
				n--
			}
			text = text[:n]
		}
		v.Text = text
	}
	if cut {
		v.Note = fmt.Sprintf("The body is %s: the first %s are shown (and copied).", sizeText(len(b)), sizeText(shownBody))
	}
	return v
}

// sizeText is a size in bytes, or in KiB to a tenth.
func sizeText(n int) string {
	if n < 1024 {
		return strconv.Itoa(n) + " bytes"
	}
	return strings.TrimSuffix(strconv.FormatFloat(float64(n)/1024, 'f', 1, 64), ".0") + " KiB"
}

// responseView is attempt number n's answer (the last attempt's when n is
// 0 or no such attempt exists).
func responseView(d store.DeliveryDetail, base string, n int32) views.ResponseView {
	v := views.ResponseView{DeliveryID: d.ID, Drawer: inDrawer(base)}
	if len(d.Attempts) == 0 {
		v.None = "No attempt yet: the receiver's answer appears here once one is made."
		return v
	}
	a := d.Attempts[len(d.Attempts)-1]
	for _, x := range d.Attempts {
		if x.Number == n && n != a.Number {
			a, v.LastURL = x, base
		}
	}
	v.Number, v.StartedAt, v.StatusCode, v.Outcome, v.Truncated = a.Number, a.StartedAt, a.StatusCode, a.Outcome, a.ResponseTruncated
	v.Error = attemptError(a)
	if a.StatusCode == nil {
		return v // no answer: Error says what happened
	}
	v.StatusText = http.StatusText(int(*a.StatusCode))
	// An answer is stored even when empty, so NULL after one means pruned.
	v.Pruned = a.ResponseBody == nil
	v.Body = bodyView(a.ResponseBody)
	v.Headers, v.HeadersNote = responseHeaders(a.ResponseHeaders)
	return v
}

// responseHeaders reads the stored {"Name": "value"} object, in its order.
// Attempts made before headers were kept (migration 00010) have none.
func responseHeaders(raw []byte) ([]views.Header, string) {
	raw = jsonscan.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, "Not recorded: this attempt was made before response headers were kept."
	}
	var out []views.Header
	if raw[0] == '{' && json.Valid(raw) {
		r := jsonscan.Open(raw)
		for r.More() {
			k, val := r.Member()
			name, ok1 := jsonscan.String[string](k)
			value, ok2 := jsonscan.String[string](val)
			if ok1 && ok2 {
				out = append(out, views.Header{Name: name, Value: value})
			}
		}
	}
	if len(out) == 0 {
		return nil, "No headers."
	}
	return out, ""
}

// inDrawer reports whether a delivery at base is shown in the endpoint's
// drawer (its links swap the drawer) rather than on the admin's page.
func inDrawer(base string) bool { return !strings.HasPrefix(base, adminDeliveryPath("")) }

// attemptParam is ?attempt=N, the attempt whose answer the Response tab
// shows; 0 when absent or not a number.
func attemptParam(r *http.Request) int32 {
	n, err := strconv.ParseInt(r.URL.Query().Get("attempt"), 10, 32)
	if err != nil || n < 1 {
		return 0
	}
	return int32(n)
}
