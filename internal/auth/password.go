// Package auth holds the dashboard's password hashing, login throttling and
// session helpers.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's Password Storage Cheat Sheet option of
// 19 MiB, 2 passes, 1 lane. RFC 9106's 64 MiB option made every login and
// sign-up cost 64 MiB, which a burst of them turned into gigabytes.
// Hashes made with other parameters (the earlier 64 MiB, 3 passes, 2
// lanes) are checked with the parameters they carry.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// Largest parameters CheckPassword accepts from a stored hash, so a row
// written by hand cannot make a check cost more than the old defaults.
const (
	maxArgonMemory = 64 * 1024
	maxArgonTime   = 10
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ErrMismatch: the password does not match the hash.
var ErrMismatch = errors.New("auth: password does not match")

// HashPassword returns a PHC-format argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword compares password with a hash made by HashPassword, in constant time.
func CheckPassword(hash, password string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("auth: unknown hash format")
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("auth: unknown argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil ||
		mem == 0 || mem > maxArgonMemory || iters == 0 || iters > maxArgonTime || threads == 0 {
		return errors.New("auth: bad argon2 parameters")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return errors.New("auth: bad hash encoding")
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// CheckPasswordStrength returns a message when a new password is not acceptable.
func CheckPasswordStrength(p string) string {
	switch {
	case len(p) < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	case len(p) > 256:
		return "must be at most 256 characters"
	}
	return ""
}
