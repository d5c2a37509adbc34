package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

const signaturePrefix = "sha256="

// Sign returns the X-ClipCabinet-Signature value for body:
// "sha256=" followed by the lowercase hex HMAC-SHA256 of body, keyed with the
// bytes of the whole secret string, "whsec_" prefix included. This is what the
// documented Node and Python verifiers compute.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether header is exactly Sign(secret, body), comparing in
// constant time. Like the documented verifiers it compares the whole header,
// so uppercase hex, extra spaces or several signatures are rejected. An empty
// secret never verifies: anyone could compute its signatures.
func Verify(secret string, body []byte, header string) bool {
	if secret == "" {
		return false
	}
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
}
