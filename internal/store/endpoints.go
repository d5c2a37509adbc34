package store

import (
	"context"
	"fmt"

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
	err = s.WithTx(ctx, func(q *db.Queries) error {
		if in.Max > 0 {
			if err := q.UserLock(ctx, in.UserID); err != nil {
				return mapErr(err)
			}
			n, err := q.EndpointCountByUser(ctx, in.UserID)
			if err != nil {
				return mapErr(err)
			}
			if n >= int64(in.Max) {
				return &Conflict{fmt.Sprintf("a user may have at most %d endpoints (the limit per user); delete one before adding another", in.Max)}
			}
		}
		var err error
		ep, err = q.EndpointInsert(ctx, db.EndpointInsertParams{
			ID: id, UserID: in.UserID, Url: in.URL, Description: in.Description,
			Events: in.Events, Enabled: in.Enabled, SecretEncrypted: sealed,
		})
		if err != nil {
			return mapErr(err)
		}
		return audit(ctx, q, a, in.UserID, "endpoint.created", id, map[string]any{"url": in.URL, "events": in.Events})
	})
	if err != nil {
		return db.Endpoint{}, "", fmt.Errorf("store: endpoint create: %w", err)
	}
	return ep, secret, nil
}

// EndpointGet returns an endpoint that is not deleted.
func (s *Store) EndpointGet(ctx context.Context, id string) (db.Endpoint, error) {
	ep, err := s.q.EndpointGet(ctx, id)
	return ep, mapErr(err)
}

// EndpointList returns a user's endpoints, oldest first.
func (s *Store) EndpointList(ctx context.Context, userID string) ([]db.Endpoint, error) {
	eps, err := s.q.EndpointListByUser(ctx, userID)
	return eps, mapErr(err)
}

// EndpointUpdate applies a patch. Disabling an endpoint ends its unfinished
// deliveries as failed, with the reason on each.
func (s *Store) EndpointUpdate(ctx context.Context, a Actor, id string, p EndpointPatch) (db.Endpoint, error) {
	var out db.Endpoint
	err := s.WithTx(ctx, func(q *db.Queries) error {
		ep, err := q.EndpointGet(ctx, id)
		if err != nil {
			return mapErr(err)
		}
		params := db.EndpointUpdateParams{
			ID: id, Url: ep.Url, Description: ep.Description, Events: ep.Events,
			Enabled: ep.Enabled, DisabledReason: ep.DisabledReason,
			DisabledAt: ep.DisabledAt, DisabledBy: ep.DisabledBy, EnabledAt: ep.EnabledAt,
		}
		changed := map[string]any{}
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
			return mapErr(err)
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
		return db.Endpoint{}, fmt.Errorf("store: endpoint update: %w", err)
	}
	if !out.Enabled {
		s.endpointStopped(id)
	}
	return out, nil
}

// EndpointDelete removes an endpoint from use; its unfinished deliveries end
// failed, and its deliveries stay readable.
func (s *Store) EndpointDelete(ctx context.Context, a Actor, id string) error {
	err := s.WithTx(ctx, func(q *db.Queries) error {
		ep, err := q.EndpointGet(ctx, id)
		if err != nil {
			return mapErr(err)
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
		return fmt.Errorf("store: endpoint delete: %w", err)
	}
	s.endpointStopped(id)
	return nil
}

// EndpointRevealSecret returns the endpoint's signing secret and audits that it was shown.
func (s *Store) EndpointRevealSecret(ctx context.Context, a Actor, id string) (string, error) {
	var secret string
	err := s.WithTx(ctx, func(q *db.Queries) error {
		ep, err := q.EndpointGet(ctx, id)
		if err != nil {
			return mapErr(err)
		}
		if secret, err = s.OpenSecret(ep.ID, ep.SecretEncrypted); err != nil {
			return err
		}
		return audit(ctx, q, a, ep.UserID, "secret.revealed", id, nil)
	})
	if err != nil {
		return "", fmt.Errorf("store: reveal secret: %w", err)
	}
	return secret, nil
}

// EndpointRotateSecret replaces the signing secret. Every attempt from now
// on, retries of older deliveries included, is signed with the new one,
// since signatures are made at send time.
func (s *Store) EndpointRotateSecret(ctx context.Context, a Actor, id string) (string, error) {
	secret := webhook.NewSecret()
	sealed, err := s.sealSecret(id, secret)
	if err != nil {
		return "", err
	}
	err = s.WithTx(ctx, func(q *db.Queries) error {
		ep, err := q.EndpointGet(ctx, id)
		if err != nil {
			return mapErr(err)
		}
		if _, err := q.EndpointSetSecret(ctx, db.EndpointSetSecretParams{ID: id, SecretEncrypted: sealed}); err != nil {
			return err
		}
		return audit(ctx, q, a, ep.UserID, "secret.rotated", id, nil)
	})
	if err != nil {
		return "", fmt.Errorf("store: rotate secret: %w", err)
	}
	return secret, nil
}
