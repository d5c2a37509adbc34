package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
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

// SealSecret seals a signing secret for the endpoint as the store does,
// for a tool that writes endpoint rows itself (loadgen customers).
func (s *Store) SealSecret(endpointID, secret string) ([]byte, error) {
	return s.sealSecret(endpointID, secret)
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
			previous, changedPrevious, err := reseal(r.ID, r.PreviousSecretEncrypted)
			if err != nil {
				return err
			}
			if !changedActive && !changedPending && !changedPrevious {
				continue
			}
			if err := q.EndpointSecretReseal(ctx, db.EndpointSecretResealParams{ID: r.ID, SecretEncrypted: active,
				PendingSecretEncrypted: pending, PreviousSecretEncrypted: previous}); err != nil {
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

// settled returns ep as it stands now: a pending secret whose changeover
// time has passed is the active one (the row is folded lazily, by the next
// write; the dispatcher makes the same comparison when it sends).
func (s *Store) settled(ep Endpoint) Endpoint {
	if ep.SecretActivatesAt != nil && !s.Now().Before(*ep.SecretActivatesAt) {
		ep.PreviousSecretEncrypted, ep.PreviousSecretReplacedAt = ep.SecretEncrypted, ep.SecretActivatesAt
		ep.SecretEncrypted, ep.PendingSecretEncrypted, ep.SecretActivatesAt = ep.PendingSecretEncrypted, nil, nil
	}
	return ep
}

// lockSettled locks the endpoint for a change of its secrets and folds a
// pending secret whose time has come into the active one.
func (s *Store) lockSettled(ctx context.Context, q *db.Queries, id string) (Endpoint, error) {
	return q.EndpointGetForUpdate(ctx, db.EndpointGetForUpdateParams{ID: id, Now: s.Now()})
}

// MaxSecretDelay is the latest a rotated secret may take over.
const MaxSecretDelay = 7 * 24 * time.Hour

// Secrets are an endpoint's signing secrets in plain text.
type Secrets struct {
	Active string
	// Pending takes over at ActivatesAt; empty (and ActivatesAt nil) when
	// no rotation is pending.
	Pending     string
	ActivatesAt *time.Time
	// Previous signed until PreviousReplacedAt (the last rotation); empty
	// when the secret never changed. Never used to sign: only the
	// signature checker compares with it.
	Previous           string
	PreviousReplacedAt *time.Time
}

// EndpointRevealSecret returns the endpoint's signing secrets and audits
// that they were shown.
func (s *Store) EndpointRevealSecret(ctx context.Context, a Actor, id string) (Secrets, error) {
	var out Secrets
	err := s.inTx(ctx, func(q *db.Queries) error {
		ep, err := s.lockSettled(ctx, q, id)
		if err != nil {
			return err
		}
		if out.Active, err = s.OpenSecret(ep.ID, ep.SecretEncrypted); err != nil {
			return err
		}
		if ep.PendingSecretEncrypted != nil {
			if out.Pending, err = s.OpenSecret(ep.ID, ep.PendingSecretEncrypted); err != nil {
				return err
			}
			out.ActivatesAt = ep.SecretActivatesAt
		}
		return audit(ctx, q, a, ep.UserID, "secret.revealed", id, nil)
	})
	if err != nil {
		return Secrets{}, wrap("reveal secret", err)
	}
	return out, nil
}

// EndpointRotateSecret makes a new signing secret that takes over after
// delay (0: at once, dropping any pending one). Until then every attempt is
// still signed with the active secret; from then on, retries of older
// deliveries included, with the new one, since signatures are made at send
// time. A rotation while one is pending replaces the pending secret and
// leaves the active one as it is. It returns the new secret and when it
// takes over.
func (s *Store) EndpointRotateSecret(ctx context.Context, a Actor, id string, delay time.Duration) (string, time.Time, error) {
	if delay < 0 || delay > MaxSecretDelay {
		return "", time.Time{}, wrap("rotate secret", fmt.Errorf("delay %s out of range", delay))
	}
	secret := webhook.NewSecret()
	sealed, err := s.sealSecret(id, secret)
	if err != nil {
		return "", time.Time{}, err
	}
	// Milliseconds, as the API shows it: the time shown is the time used.
	at := s.Now().Add(delay).UTC().Truncate(time.Millisecond)
	err = s.inTx(ctx, func(q *db.Queries) error {
		ep, err := s.lockSettled(ctx, q, id)
		if err != nil {
			return err
		}
		details := map[string]any{"activatesAt": webhook.FormatTime(at)}
		if delay == 0 {
			_, err = q.EndpointSetSecret(ctx, db.EndpointSetSecretParams{ID: id, SecretEncrypted: sealed})
		} else {
			details["replacedPending"] = ep.PendingSecretEncrypted != nil
			_, err = q.EndpointSetPendingSecret(ctx, db.EndpointSetPendingSecretParams{ID: id, Sealed: sealed, ActivatesAt: at})
		}
		if err != nil {
			return err
		}
		return audit(ctx, q, a, ep.UserID, "secret.rotated", id, details)
	})
	if err != nil {
		return "", time.Time{}, wrap("rotate secret", err)
	}
	return secret, at, nil
}

// EndpointActivateSecret makes the pending secret the active one now.
// ErrNoPendingSecret when none is pending.
func (s *Store) EndpointActivateSecret(ctx context.Context, a Actor, id string) (Endpoint, error) {
	return s.endpointPendingChange(ctx, a, id, "secret.activated", func(q *db.Queries) (int64, error) {
		return q.EndpointActivatePendingSecret(ctx, id)
	})
}

// EndpointDropPendingSecret cancels a pending rotation; the active secret
// stays. ErrNoPendingSecret when none is pending.
func (s *Store) EndpointDropPendingSecret(ctx context.Context, a Actor, id string) error {
	_, err := s.endpointPendingChange(ctx, a, id, "secret.pending_dropped", func(q *db.Queries) (int64, error) {
		return q.EndpointDropPendingSecret(ctx, id)
	})
	return err
}

// endpointPendingChange runs change on the locked, settled endpoint and
// audits it as action; ErrNoPendingSecret when it changed no row.
func (s *Store) endpointPendingChange(ctx context.Context, a Actor, id, action string, change func(q *db.Queries) (int64, error)) (Endpoint, error) {
	var out Endpoint
	err := s.inTx(ctx, func(q *db.Queries) error {
		ep, err := s.lockSettled(ctx, q, id)
		if err != nil {
			return err
		}
		n, err := change(q)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNoPendingSecret
		}
		if err := audit(ctx, q, a, ep.UserID, action, id, nil); err != nil {
			return err
		}
		out, err = q.EndpointGet(ctx, id)
		return err
	})
	if err != nil {
		return Endpoint{}, wrap(action, err)
	}
	return out, nil
}

// EndpointSigningSecrets returns the secrets an attempt made now is signed
// with (the active one, and the pending one while a rotation waits), without
// auditing. The dashboard uses them only to compute signatures for the
// endpoint's owner (a delivery's "Copy as curl", the signature checker),
// never to display a secret: that is EndpointRevealSecret, which audits.
func (s *Store) EndpointSigningSecrets(ep Endpoint) (Secrets, error) {
	ep = s.settled(ep)
	var out Secrets
	var err error
	if out.Active, err = s.OpenSecret(ep.ID, ep.SecretEncrypted); err != nil {
		return Secrets{}, err
	}
	if ep.PendingSecretEncrypted != nil {
		if out.Pending, err = s.OpenSecret(ep.ID, ep.PendingSecretEncrypted); err != nil {
			return Secrets{}, err
		}
		out.ActivatesAt = ep.SecretActivatesAt
	}
	if ep.PreviousSecretEncrypted != nil {
		if out.Previous, err = s.OpenSecret(ep.ID, ep.PreviousSecretEncrypted); err != nil {
			return Secrets{}, err
		}
		out.PreviousReplacedAt = ep.PreviousSecretReplacedAt
	}
	return out, nil
}
