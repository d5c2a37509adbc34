package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// maxCheckedBody bounds the pasted body (the form itself is bounded too).
const maxCheckedBody = 48 << 10

// checkSignature says which case a pasted body and X-ClipCabinet-Signature
// value are: signed with the active secret; with the pending one; with
// the previous one (before the last rotation); over
// another form of the body (re-serialised JSON, changed line endings);
// keyed with a secret mangled in one of the usual ways; or none of these.
// It only ever compares signatures, so its answers name the case, never a
// secret.
func checkSignature(sec store.Secrets, body, header string) views.SigCheckResult {
	header = strings.TrimSpace(header)
	switch {
	case body == "":
		return views.SigCheckResult{Case: "invalid", Title: "Paste the body", Detail: "Paste the request body exactly as your server received it."}
	case len(body) > maxCheckedBody:
		return views.SigCheckResult{Case: "invalid", Title: "The body is too long", Detail: "The checker takes bodies up to 48 KiB; deliveries are smaller than that."}
	case header == "":
		return views.SigCheckResult{Case: "invalid", Title: "Paste the signature", Detail: "Paste the X-ClipCabinet-Signature value your server received or computed, sha256= and 64 hex characters."}
	case strings.HasPrefix(header, "v1,"):
		return views.SigCheckResult{Case: "invalid", Title: "That is a Standard Webhooks signature", Detail: "This checks X-ClipCabinet-Signature (sha256= followed by 64 hex characters), not webhook-signature."}
	}
	hexPart, hasPrefix := header, len(header) > 7 && strings.EqualFold(header[:7], "sha256=")
	if hasPrefix {
		hexPart = header[7:]
	}
	if len(hexPart) != 64 || strings.Trim(strings.ToLower(hexPart), "0123456789abcdef") != "" {
		return views.SigCheckResult{Case: "invalid", Title: "That is not a signature", Detail: "A signature is sha256= followed by 64 hex characters, as in the X-ClipCabinet-Signature header."}
	}
	var notes []string
	if !hasPrefix {
		notes = append(notes, "The value lacks its sha256= prefix: the documented verifiers compare the whole header, prefix included.")
	}
	if hexPart != strings.ToLower(hexPart) || (hasPrefix && header[:7] != "sha256=") {
		notes = append(notes, "The hex is in capitals: the documented verifiers compare it as sent, in lowercase.")
	}
	sig := "sha256=" + strings.ToLower(hexPart)
	// A browser sends a textarea's line breaks as CRLF whatever was pasted;
	// a delivery's body never holds a raw line break, so LF is what was meant.
	raw := []byte(strings.ReplaceAll(body, "\r\n", "\n"))

	secrets := []struct{ secret, name string }{{sec.Active, "current"}}
	if sec.Pending != "" {
		secrets = append(secrets, struct{ secret, name string }{sec.Pending, "pending"})
	}
	if sec.Previous != "" {
		secrets = append(secrets, struct{ secret, name string }{sec.Previous, "previous"})
	}
	result := func(c, title, detail string) views.SigCheckResult {
		return views.SigCheckResult{Case: c, Title: title, Detail: detail, Notes: notes}
	}
	for _, s := range secrets {
		if webhook.Verify(s.secret, raw, sig) {
			switch s.name {
			case "pending":
				return result("pending", "Signed with the pending secret",
					"This signature was made with the new secret of the rotation in progress, which has not taken over yet: the current secret signs until then. Accept either secret during the changeover.")
			case "previous":
				until := ""
				if sec.PreviousReplacedAt != nil {
					until = " until " + sec.PreviousReplacedAt.UTC().Format("2006-01-02 15:04 UTC")
				}
				return result("previous", "Signed with the previous secret",
					"This signature was made with the secret this endpoint signed with"+until+", before its last rotation: your server still holds the old secret. Reveal the current one on this page and deploy it.")
			}
			return result("match", "The signature matches",
				"This body with the endpoint's current secret gives exactly this signature.")
		}
	}
	for _, s := range secrets {
		for _, v := range bodyVariants(raw) {
			if webhook.Verify(s.secret, v.body, sig) {
				return result("body-altered", "The body was changed",
					"The signature matches this body "+v.how+", not the bytes pasted. Compute the HMAC over the raw request body exactly as received, before any JSON parsing, re-serialising or line-ending conversion.")
			}
		}
	}
	for _, s := range secrets {
		bare := strings.TrimPrefix(s.secret, webhook.SecretPrefix)
		if webhook.Verify(bare, raw, sig) {
			return result("no-prefix", "The secret was used without its whsec_ prefix",
				"The HMAC key is the whole secret string, whsec_ included. Your server keyed it with the part after whsec_.")
		}
		if key, err := base64.StdEncoding.DecodeString(bare); err == nil && len(key) > 0 && webhook.Verify(string(key), raw, sig) {
			return result("base64-decoded", "The secret was base64-decoded",
				"X-ClipCabinet-Signature is keyed with the bytes of the whole whsec_ string as it is written. Your server decoded the base64 after whsec_ (that is the Standard Webhooks key, for the webhook-signature header only).")
		}
	}
	which := "the current secret"
	switch {
	case sec.Pending != "" && sec.Previous != "":
		which += ", the pending one or the previous one"
	case sec.Pending != "":
		which += " or the pending one"
	case sec.Previous != "":
		which += " or the previous one"
	}
	return result("no-match", "No match",
		"Not this body with "+which+
			", nor with the usual mistakes (JSON re-serialised, line endings changed, the secret without whsec_ or base64-decoded). Check that your server uses this endpoint's secret and that the body and header are pasted whole.")
}

type bodyVariant struct {
	how  string
	body []byte
}

// bodyVariants are the forms a body takes when something between the
// network and the HMAC changes it: JSON compacted or re-indented, line
// endings converted, a trailing newline added or dropped.
func bodyVariants(b []byte) []bodyVariant {
	var out []bodyVariant
	add := func(how string, v []byte) {
		if bytes.Equal(v, b) {
			return
		}
		for _, o := range out {
			if bytes.Equal(o.body, v) {
				return
			}
		}
		out = append(out, bodyVariant{how, v})
	}
	if json.Valid(b) {
		var c bytes.Buffer
		if json.Compact(&c, b) == nil {
			add("with its JSON compacted (no whitespace between tokens)", c.Bytes())
		}
		for _, ind := range []struct{ how, indent string }{{"2 spaces", "  "}, {"4 spaces", "    "}, {"tabs", "\t"}} {
			var i bytes.Buffer
			if json.Indent(&i, b, "", ind.indent) == nil {
				add("with its JSON re-indented with "+ind.how, i.Bytes())
			}
		}
	}
	lf := bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	add("with its CRLF line endings turned into LF", lf)
	add("with its LF line endings turned into CRLF", bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n")))
	add("without its trailing newline", bytes.TrimRight(b, "\r\n"))
	add("with a trailing newline", append(bytes.Clone(bytes.TrimRight(b, "\r\n")), '\n'))
	return out
}
