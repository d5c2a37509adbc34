package store

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/db"
)

// sealSecret encrypts a signing secret with AES-256-GCM. The endpoint id is
// the associated data, so a sealed secret copied onto another endpoint row
// does not open. Layout: nonce || ciphertext+tag.
func (s *Store) sealSecret(endpointID, secret string) ([]byte, error) {
	if s.aead == nil {
		return nil, wrap("seal secret", errNoKey)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, wrap("seal secret", err)
	}
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(endpointID)), nil
}

// OpenSecret decrypts a sealed signing secret of the endpoint.
func (s *Store) OpenSecret(endpointID string, sealed []byte) (string, error) {
	if s.aead == nil {
		return "", wrap("open secret", errNoKey)
	}
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return "", wrap("open secret", fmt.Errorf("of %s: too short", endpointID))
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(endpointID))
	if err != nil {
		return "", wrap("open secret", fmt.Errorf("of %s: wrong CLIPCABINET_ENCRYPTION_KEY or damaged row", endpointID))
	}
	return string(plain), nil
}

// CheckKey opens the newest and the oldest stored secrets with the
// store's key. A server started with another key than the one its secrets
// were sealed with would otherwise run and fail every attempt and reveal;
// serve calls this at start and refuses to run on ErrWrongKey.
func (s *Store) CheckKey(ctx context.Context) error {
	rows, err := s.q.EndpointSealedSecretsSample(ctx, 20)
	if err != nil {
		return wrap("check key", err)
	}
	for _, r := range rows {
		if _, err := s.OpenSecret(r.ID, r.SecretEncrypted); err != nil {
			return wrap("check key", fmt.Errorf("%w (endpoint %s)", ErrWrongKey, r.ID))
		}
	}
	return nil
}

// RotateKey seals every stored signing secret, pending ones and deleted
// endpoints' too, with newKey instead of oldKey, in one transaction: either every secret
// is under the new key afterwards, or nothing changed. A secret the new
// key already opens is left as it is, so running it again is harmless. It
// returns how many secrets it re-sealed.
func RotateKey(ctx context.Context, pool *pgxpool.Pool, oldKey, newKey []byte) (int, error) {
	from, err := New(pool, Options{EncryptionKey: oldKey})
	if err != nil {
		return 0, err
	}
	to, err := New(pool, Options{EncryptionKey: newKey})
	if err != nil {
		return 0, err
	}
	n := 0
	err = to.inTx(ctx, func(q *db.Queries) error {
		rows, err := q.EndpointSealedSecretsForUpdate(ctx)
		if err != nil {
			return err
		}
		// reseal returns the secret sealed under the new key, and whether
		// it had to change.
		reseal := func(id string, sealed []byte) ([]byte, bool, error) {
			if sealed == nil {
				return nil, false, nil
			}
			if _, err := to.OpenSecret(id, sealed); err == nil {
				return sealed, false, nil
			}
			secret, err := from.OpenSecret(id, sealed)
			if err != nil {
				return nil, false, fmt.Errorf("%w: neither the old nor the new key opens the secret of endpoint %s", ErrWrongKey, id)
			}
			out, err := to.sealSecret(id, secret)
			return out, err == nil, err
		}
		for _, r := range rows {
			active, changedActive, err := reseal(r.ID, r.SecretEncrypted)
			if err != nil {
				return err
			}
			pending, changedPending, err := reseal(r.ID, r.PendingSecretEncrypted)
			if err != nil {
				return err
			}
			if !changedActive && !changedPending {
				continue
			}
			if err := q.EndpointSecretReseal(ctx, db.EndpointSecretResealParams{ID: r.ID, SecretEncrypted: active, PendingSecretEncrypted: pending}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, wrap("rotate key", err)
	}
	return n, nil
}
