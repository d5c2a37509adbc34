package webhook

import (
	"crypto/rand"
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
	// secretLength base62 characters carry log2(62)*43 ≈ 256.03 bits,
	// as much as 32 random bytes.
	secretLength = 43
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

// NewSecret returns a new signing secret: "whsec_" followed by 43 base62
// characters from crypto/rand, as much entropy as 32 random bytes. Base62
// keeps the secret free of symbols, so it survives copy and paste, shell
// quoting and environment files unchanged; receivers use the whole string,
// prefix included, as the HMAC key.
func NewSecret() string {
	return SecretPrefix + randomBase62(secretLength)
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
