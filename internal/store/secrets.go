package store

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// sealSecret encrypts a signing secret with AES-256-GCM. The endpoint id is
// the associated data, so a sealed secret copied onto another endpoint row
// does not open. Layout: nonce || ciphertext+tag.
func (s *Store) sealSecret(endpointID, secret string) ([]byte, error) {
	if s.aead == nil {
		return nil, errors.New("store: no encryption key configured")
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("store: seal secret: %w", err)
	}
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(endpointID)), nil
}

// OpenSecret decrypts a sealed signing secret of the endpoint.
func (s *Store) OpenSecret(endpointID string, sealed []byte) (string, error) {
	if s.aead == nil {
		return "", errors.New("store: no encryption key configured")
	}
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return "", errors.New("store: sealed secret too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(endpointID))
	if err != nil {
		return "", fmt.Errorf("store: open secret of %s: wrong CLIPCABINET_ENCRYPTION_KEY or damaged row", endpointID)
	}
	return string(plain), nil
}
