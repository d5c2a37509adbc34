package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// ID prefixes. Every id is a prefix followed by 16 base62 characters
// (about 95 random bits), made by [NewID].
const (
	PrefixDelivery = "del_"
	PrefixEvent    = "evt_"
	PrefixEndpoint = "ep_"
	PrefixUser     = "user_"
)

// SecretPrefix starts every signing secret made by [NewSecret].
const SecretPrefix = "whsec_"

const (
	idLength = 16
	// secretBytes random bytes make a secret: 256 bits.
	secretBytes = 32
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewID returns prefix followed by 16 base62 characters from crypto/rand,
// for example NewID(PrefixDelivery) = "del_2YwK3pQ8r5n6mZ4a".
func NewID(prefix string) string {
	return prefix + randomBase62(idLength)
}

// ValidID reports whether s is prefix followed by exactly 16 base62 characters.
func ValidID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != idLength {
		return false
	}
	for i := range len(rest) {
		if !isBase62(rest[i]) {
			return false
		}
	}
	return true
}

// NewSecret returns a new signing secret: "whsec_" followed by the
// standard base64 of 32 bytes from crypto/rand. One secret serves both
// schemes: ClipCabinet receivers use the whole string, prefix included, as
// the HMAC key (webhooks.md); Standard Webhooks receivers use the decoded
// bytes after the prefix (see [StandardKey]). Secrets made before this
// release are "whsec_" and 43 base62 characters; they keep working for the
// ClipCabinet signature but are not Standard Webhooks keys.
func NewSecret() string {
	b := make([]byte, secretBytes)
	rand.Read(b) // never returns an error since Go 1.24; it crashes the program instead
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// randomBase62 returns n uniformly random base62 characters. Bytes of 248 or
// more are rejected rather than reduced modulo 62, which would make the first
// 8 characters of the alphabet more likely than the others.
func randomBase62(n int) string {
	const limit = 256 - 256%len(base62) // 248, a multiple of 62
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/8+4) // 3% of bytes are rejected; rarely needs a second read
	for len(out) < n {
		rand.Read(buf) // never returns an error since Go 1.24; it crashes the program instead
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, base62[int(b)%len(base62)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out)
}

func isBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}
