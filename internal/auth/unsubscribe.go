package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// UnsubscribeToken proves that a one-click unsubscribe (RFC 8058) came
// from a notification email sent to the user: an HMAC-SHA256 of the user
// id and the notice kind, keyed by a key derived from the encryption key
// (so the token is worthless to anyone without it, and changes with it).
// The mail provider's POST carries no session, so this token is all that
// says which user and kind it turns off.
func UnsubscribeToken(key []byte, userID, kind string) string {
	derived := hmac.New(sha256.New, key)
	derived.Write([]byte("clipcabinet notice unsubscribe v1"))
	mac := hmac.New(sha256.New, derived.Sum(nil))
	mac.Write([]byte(userID))
	mac.Write([]byte{0})
	mac.Write([]byte(kind))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// CheckUnsubscribeToken reports whether token is the user's and kind's, in
// constant time.
func CheckUnsubscribeToken(key []byte, userID, kind, token string) bool {
	return hmac.Equal([]byte(UnsubscribeToken(key, userID, kind)), []byte(token))
}
