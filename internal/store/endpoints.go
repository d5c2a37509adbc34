package store

import (
	"context"
	"fmt"
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// NewEndpoint is what EndpointCreate needs; fields are already validated.
type NewEndpoint struct {
	UserID      string
	URL         string
	Description string
	Events      []string
	Enabled     bool
	// StandardWebhooks adds the Standard Webhooks headers to every attempt.
	StandardWebhooks bool
	// Max is how many endpoints the user may have (deleted ones aside);
	// creating one more is a Conflict. 0: no limit.
	Max int
}

// EndpointPatch changes the fields that are set.
type EndpointPatch struct {
	URL         *string
	Description *string
	Events      []string // nil: unchanged
	Enabled     *bool
	// StandardWebhooks turns the Standard Webhooks headers on or off;
	// on needs an active secret of the current form (ErrSecretNotStandard).
	StandardWebhooks *bool
	// DisabledReason is recorded when the patch disables the endpoint.
	DisabledReason string
}

// EndpointCreate inserts an endpoint with a fresh signing secret, which it
// returns in plain text this once.
func (s *Store) EndpointCreate(ctx context.Context, a Actor, in NewEndpoint) (db.Endpoint, string, error) {
	id := webhook.NewID("ep_")
	secret := webhook.NewSecret()
	sealed, err := s.sealSecret(id, secret)
	if err != nil {
		return db.Endpoint{}, "", err
	}
	var ep db.Endpoint
	err = s.inTx(ctx, func(q *db.Queries) error {
		if in.Max > 0 {
			if err := q.UserLock(ctx, in.UserID); err != nil {
				return err
			}
			n, err := q.EndpointCountByUser(ctx, in.UserID)
			if err != nil {
				return err
			}
			if n >= int64(in.Max) {
				return &Conflict{fmt.Sprintf("a user may have at most %d endpoints (the limit per user); delete one before adding another", in.Max)}
			}
		}
		var err error
		ep, err = q.EndpointInsert(ctx, db.EndpointInsertParams{
			ID: id, UserID: in.UserID, Url: in.URL, Description: in.Description,
			Events: in.Events, Enabled: in.Enabled, SecretEncrypted: sealed, StandardWebhooks: in.StandardWebhooks,
		})
		if err != nil {
			return err
		}
		return audit(ctx, q, a, in.UserID, "endpoint.created", id, map[string]any{"url": in.URL, "events": in.Events, "standardWebhooks": in.StandardWebhooks})
	})
	if err != nil {
		return db.Endpoint{}, "", wrap("endpoint create", err)
	}
	return ep, secret, nil
}

// EndpointGet returns an endpoint that is not deleted.
func (s *Store) EndpointGet(ctx context.Context, id string) (db.Endpoint, error) {
	ep, err := s.q.EndpointGet(ctx, id)
	return s.settled(ep), wrap("endpoint get", err)
}

// EndpointList returns a user's endpoints, oldest first.
func (s *Store) EndpointList(ctx context.Context, userID string) ([]db.Endpoint, error) {
	eps, err := s.q.EndpointListByUser(ctx, userID)
	for i := range eps {
		eps[i] = s.settled(eps[i])
	}
	return eps, wrap("endpoint list", err)
}

// settled returns ep as it stands now: a pending secret whose changeover
// time has passed is the active one (the row is folded lazily, by the next
// write; the dispatcher makes the same comparison when it sends).
func (s *Store) settled(ep db.Endpoint) db.Endpoint {
	if ep.SecretActivatesAt != nil && !s.Now().Before(*ep.SecretActivatesAt) {
		ep.SecretEncrypted, ep.PendingSecretEncrypted, ep.SecretActivatesAt = ep.PendingSecretEncrypted, nil, nil
	}
	return ep
}

// lockSettled locks the endpoint for a change of its secrets and folds a
// pending secret whose time has come into the active one.
func (s *Store) lockSettled(ctx context.Context, q *db.Queries, id string) (db.Endpoint, error) {
	return q.EndpointGetForUpdate(ctx, db.EndpointGetForUpdateParams{ID: id, Now: s.Now()})
}

// MaxSecretDelay is the latest a rotated secret may take over.
const MaxSecretDelay = 7 * 24 * time.Hour

// EndpointUpdate applies a patch. Disabling an endpoint ends its unfinished
// deliveries as failed, with the reason on each.
func (s *Store) EndpointUpdate(ctx context.Context, a Actor, id string, p EndpointPatch) (db.Endpoint, error) {
	var out db.Endpoint
	err := s.inTx(ctx, func(q *db.Queries) error {
		ep, err := s.lockSettled(ctx, q, id)
		if err != nil {
			return err
		}
		params := db.EndpointUpdateParams{
			ID: id, Url: ep.Url, Description: ep.Description, Events: ep.Events,
			Enabled: ep.Enabled, DisabledReason: ep.DisabledReason,
			DisabledAt: ep.DisabledAt, DisabledBy: ep.DisabledBy, EnabledAt: ep.EnabledAt,
			StandardWebhooks: ep.StandardWebhooks,
		}
		changed := map[string]any{}
		if p.StandardWebhooks != nil && *p.StandardWebhooks != ep.StandardWebhooks {
			if *p.StandardWebhooks {
				secret, err := s.OpenSecret(ep.ID, ep.SecretEncrypted)
				if err != nil {
					return err
				}
				if !webhook.IsStandardSecret(secret) {
					return ErrSecretNotStandard
				}
			}
			params.StandardWebhooks, changed["standardWebhooks"] = *p.StandardWebhooks, *p.StandardWebhooks
		}
		if p.URL != nil && *p.URL != ep.Url {
			params.Url, changed["url"] = *p.URL, *p.URL
		}
		if p.Description != nil && *p.Description != ep.Description {
			params.Description, changed["description"] = *p.Description, true
		}
		if p.Events != nil {
			params.Events, changed["events"] = p.Events, p.Events
		}
		// disabled_at and disabled_by say when and by whom ("system": the
		// maintainer's auto-disable); enabled_at starts the health check's
		// window afresh, so a re-enabled endpoint is not disabled again for
		// the failures that disabled it.
		if p.Enabled != nil && *p.Enabled != ep.Enabled {
			now := s.Now()
			params.Enabled, changed["enabled"] = *p.Enabled, *p.Enabled
			params.DisabledReason, params.DisabledAt, params.DisabledBy = nil, nil, nil
			if *p.Enabled {
				params.EnabledAt = &now
			} else {
				reason := p.DisabledReason
				if reason == "" {
					reason = "disabled by " + a.ID
				}
				by := a.ID
				params.DisabledReason, params.DisabledAt, params.DisabledBy = &reason, &now, &by
				changed["reason"] = reason
			}
		}
		if out, err = q.EndpointUpdate(ctx, params); err != nil {
			return err
		}
		if ep.Enabled && !out.Enabled {
			if _, err := q.DeliveryStopForEndpoint(ctx, db.DeliveryStopForEndpointParams{
				EndpointID: id, Reason: "endpoint disabled: " + *out.DisabledReason, Now: s.Now(),
			}); err != nil {
				return err
			}
		}
		return audit(ctx, q, a, ep.UserID, "endpoint.updated", id, changed)
	})
	if err != nil {
		return db.Endpoint{}, wrap("endpoint update", err)
	}
	if !out.Enabled {
		s.endpointStopped(id)
	}
	return out, nil
}

// EndpointDelete removes an endpoint from use; its unfinished deliveries end
// failed, and its deliveries stay readable.
func (s *Store) EndpointDelete(ctx context.Context, a Actor, id string) error {
	err := s.inTx(ctx, func(q *db.Queries) error {
		ep, err := q.EndpointGet(ctx, id)
		if err != nil {
			return err
		}
		if _, err := q.EndpointDelete(ctx, id); err != nil {
			return err
		}
		if _, err := q.DeliveryStopForEndpoint(ctx, db.DeliveryStopForEndpointParams{
			EndpointID: id, Reason: "endpoint deleted", Now: s.Now(),
		}); err != nil {
			return err
		}
		return audit(ctx, q, a, ep.UserID, "endpoint.deleted", id, map[string]any{"url": ep.Url})
	})
	if err != nil {
		return wrap("endpoint delete", err)
	}
	s.endpointStopped(id)
	return nil
}

// Secrets are an endpoint's signing secrets in plain text.
type Secrets struct {
	Active string
	// Pending takes over at ActivatesAt; empty (and ActivatesAt nil) when
	// no rotation is pending.
	Pending     string
	ActivatesAt *time.Time
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
func (s *Store) EndpointActivateSecret(ctx context.Context, a Actor, id string) (db.Endpoint, error) {
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
func (s *Store) endpointPendingChange(ctx context.Context, a Actor, id, action string, change func(q *db.Queries) (int64, error)) (db.Endpoint, error) {
	var out db.Endpoint
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
		return db.Endpoint{}, wrap(action, err)
	}
	return out, nil
}
