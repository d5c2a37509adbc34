package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// Standard Webhooks headers (the specification at
// standard-webhooks/standard-webhooks), sent beside the ClipCabinet
// headers on endpoints that opt in.
const (
	// HeaderStandardID carries the delivery id, the same on every attempt.
	HeaderStandardID = "Webhook-Id"
	// HeaderStandardTimestamp carries the attempt's send time, Unix seconds.
	HeaderStandardTimestamp = "Webhook-Timestamp"
	// HeaderStandardSignature carries one or more "v1,<base64>" signatures,
	// space-separated.
	HeaderStandardSignature = "Webhook-Signature"
)

// StandardKey returns the Standard Webhooks HMAC key of a secret: the
// standard base64 after "whsec_", decoded. ok is false for a secret that is
// not of that form, such as the base62 secrets made before this release,
// which the Standard Webhooks libraries would refuse or mis-decode.
func StandardKey(secret string) (key []byte, ok bool) {
	rest, found := strings.CutPrefix(secret, SecretPrefix)
	if !found {
		return nil, false
	}
	key, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil || len(key) < 24 || len(key) > 64 {
		return nil, false
	}
	return key, true
}

// IsStandardSecret reports whether secret can sign Standard Webhooks.
func IsStandardSecret(secret string) bool {
	_, ok := StandardKey(secret)
	return ok
}

// SignStandard returns one Standard Webhooks signature, "v1," followed by
// the base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed with key (from
// [StandardKey]).
func SignStandard(key []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, timestamp, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// StandardSignatures returns the webhook-signature header value: one
// signature per key, space-separated, in the order given (the active
// secret first while a rotation is pending).
func StandardSignatures(keys [][]byte, id string, timestamp int64, body []byte) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(SignStandard(k, id, timestamp, body))
	}
	return b.String()
}

// VerifyStandard reports whether any of the signatures in header is
// SignStandard(key, id, timestamp, body), comparing in constant time. It
// does not check the timestamp's age; callers do.
func VerifyStandard(key []byte, id string, timestamp int64, body []byte, header string) bool {
	want := []byte(SignStandard(key, id, timestamp, body))
	ok := false
	for _, sig := range strings.Fields(header) {
		if hmac.Equal([]byte(sig), want) {
			ok = true
		}
	}
	return ok
}

// Header is one header of an attempt's request.
type Header struct{ Name, Value string }

// AttemptHeaders are the headers an attempt carries besides
// Content-Length, in the order they are set: the five ClipCabinet headers,
// signed with secret, and, when stdKeys is not empty (the endpoint has
// Standard Webhooks on), the three Standard Webhooks headers signed with
// each key, active first, for an attempt sent at sentAt. The dispatcher
// sends exactly these, and the dashboard's "Copy as curl" writes them, so
// the two cannot drift apart.
func AttemptHeaders(event, deliveryID string, body []byte, secret string, stdKeys [][]byte, sentAt int64) []Header {
	h := make([]Header, 5, 8)
	h[0] = Header{"Content-Type", ContentType}
	h[1] = Header{"User-Agent", UserAgent}
	h[2] = Header{HeaderEvent, event}
	h[3] = Header{HeaderDelivery, deliveryID}
	h[4] = Header{HeaderSignature, Sign(secret, body)}
	if len(stdKeys) == 0 {
		return h
	}
	return append(h,
		Header{HeaderStandardID, deliveryID},
		Header{HeaderStandardTimestamp, strconv.FormatInt(sentAt, 10)},
		Header{HeaderStandardSignature, StandardSignatures(stdKeys, deliveryID, sentAt, body)},
	)
}
