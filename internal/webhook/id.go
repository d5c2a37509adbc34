package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
)

// ID prefixes. Every id is a prefix followed by 16 base62 characters,
// made by [NewID]: the time it was made, then 9 random characters.
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
	// idTimeChars base62 characters of milliseconds since idEpoch start
	// an id: 62^7 ms is 111 years, so ids made before 2131 sort by time
	// (later ones wrap around). The other 9 are random (53 bits): two ids
	// made in the same millisecond are equal with a chance of 1 in 2^53.
	idTimeChars = 7
	// secretBytes random bytes make a secret: 256 bits.
	secretBytes = 32
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// idEpoch is where an id's clock starts: 2020-01-01 UTC.
var idEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// NewID returns prefix followed by 16 base62 characters, for example
// NewID(PrefixDelivery) = "del_3qI8ROYpiqtCdQJP": 7 that encode the
// millisecond it was made, then 9 from crypto/rand.
//
// An id made later sorts after one made earlier (bytewise, as the
// database's "C" collation compares them; base62's alphabet is in ASCII
// order), so every B-tree keyed by an id takes a new row at its right
// end, as an index on a serial does: PostgreSQL inserts there without a
// descent (its fast path for the rightmost leaf) and fills its pages
// before it splits them, and the rows a dispatcher looks up by id are on
// the index's recent pages. Random ids scattered each new delivery,
// attempt and queue row across the whole of three indexes.
// (`scripts/profile.sh fanout EVENTS=3000`, three alternating pairs:
// PostgreSQL 5.03-5.75 → 4.63-4.90 s of CPU for 60,000 deliveries.)
// Ids are names, not secrets: nothing is reached by knowing one.
func NewID(prefix string) string {
	return newIDAt(prefix, time.Now())
}

func newIDAt(prefix string, t time.Time) string {
	ms := max(t.Sub(idEpoch).Milliseconds(), 0)
	var b [idLength]byte
	for i := idTimeChars - 1; i >= 0; i-- {
		b[i] = base62[ms%int64(len(base62))]
		ms /= int64(len(base62))
	}
	randomBase62(b[idTimeChars:])
	return prefix + string(b[:])
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

// randomBase62 fills out with uniformly random base62 characters. Bytes
// of 248 or more are rejected rather than reduced modulo 62, which would
// make the first 8 characters of the alphabet more likely than the others.
func randomBase62(out []byte) {
	const limit = 256 - 256%len(base62) // 248, a multiple of 62
	var buf [32]byte                    // 3% of bytes are rejected; rarely needs a second read
	n := 0
	for n < len(out) {
		rand.Read(buf[:]) // never returns an error since Go 1.24; it crashes the program instead
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out[n] = base62[int(b)%len(base62)]
			n++
			if n == len(out) {
				break
			}
		}
	}
}

func isBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}
