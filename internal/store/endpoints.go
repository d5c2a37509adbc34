package store

import (
	"context"
	"fmt"
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// Endpoint is an endpoint as the store returns it. Its secrets stay
// sealed: EndpointSecret opens the active one.
type Endpoint = db.Endpoint

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
	// Notice, when the patch disables the endpoint, raises a "disabled"
	// notice with this reason in words (the service's own disables: 410
	// Gone and the health check).
	Notice string
}

// EndpointCreate inserts an endpoint with a fresh signing secret, which it
// returns in plain text this once.
func (s *Store) EndpointCreate(ctx context.Context, a Actor, in NewEndpoint) (Endpoint, string, error) {
	id := webhook.NewID(webhook.PrefixEndpoint)
	secret := webhook.NewSecret()
	sealed, err := s.sealSecret(id, secret)
	if err != nil {
		return Endpoint{}, "", err
	}
	var ep Endpoint
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
		return Endpoint{}, "", wrap("endpoint create", err)
	}
	return ep, secret, nil
}

// EndpointGet returns an endpoint that is not deleted.
func (s *Store) EndpointGet(ctx context.Context, id string) (Endpoint, error) {
	ep, err := s.q.EndpointGet(ctx, id)
	return s.settled(ep), wrap("endpoint get", err)
}

// EndpointList returns a user's endpoints, oldest first.
func (s *Store) EndpointList(ctx context.Context, userID string) ([]Endpoint, error) {
	eps, err := s.q.EndpointListByUser(ctx, userID)
	for i := range eps {
		eps[i] = s.settled(eps[i])
	}
	return eps, wrap("endpoint list", err)
}

// EndpointUpdate applies a patch. Disabling an endpoint ends its unfinished
// deliveries as failed, with the reason on each.
func (s *Store) EndpointUpdate(ctx context.Context, a Actor, id string, p EndpointPatch) (Endpoint, error) {
	var out Endpoint
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
			if p.Notice != "" {
				if err := s.noticeDisabled(ctx, q, id, p.Notice); err != nil {
					return err
				}
			}
		}
		return audit(ctx, q, a, ep.UserID, "endpoint.updated", id, changed)
	})
	if err != nil {
		return Endpoint{}, wrap("endpoint update", err)
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

// EndpointSummary is an endpoint as the dashboard's list shows it.
type EndpointSummary = db.EndpointListWithStatsRow

// EndpointListWithStats returns a user's endpoints, oldest first, each with
// its newest delivery and the outcomes of its last 100 deliveries.
func (s *Store) EndpointListWithStats(ctx context.Context, userID string) ([]EndpointSummary, error) {
	rows, err := s.q.EndpointListWithStats(ctx, userID)
	if err != nil {
		return nil, wrap("endpoint list with stats", err)
	}
	return rows, nil
}

// EndpointSecret returns the endpoint's current signing secret without
// auditing it. The dashboard uses it only to compute the signature it shows
// beside a delivery's body, never to display the secret: showing the secret
// goes through EndpointRevealSecret, which audits.
func (s *Store) EndpointSecret(ep Endpoint) (string, error) {
	ep = s.settled(ep)
	return s.OpenSecret(ep.ID, ep.SecretEncrypted)
}

// EndpointGetAny returns an endpoint even if it was deleted (the admin's
// view of a delivery names the endpoint it was for; the owner reads a
// deleted endpoint's history), settled like EndpointGet.
func (s *Store) EndpointGetAny(ctx context.Context, id string) (Endpoint, error) {
	e, err := s.q.EndpointGetIncludingDeleted(ctx, id)
	return s.settled(e), wrap("endpoint get any", err)
}

// UnhealthyEndpoints lists enabled endpoints with no successful automatic
// attempt since since while at least minFailures deliveries exhausted their
// schedule since then. scheduleSpan is the whole retry schedule's length:
// only deliveries created within it before since can have attempts after it.
func (s *Store) UnhealthyEndpoints(ctx context.Context, since time.Time, minFailures int, scheduleSpan time.Duration) ([]string, error) {
	ids, err := s.q.EndpointUnhealthy(ctx, db.EndpointUnhealthyParams{
		Since: since, MinFailures: int64(minFailures), CreatedSince: since.Add(-scheduleSpan),
	})
	return ids, wrap("unhealthy endpoints", err)
}

// DisabledEndpoints counts the endpoints that are disabled and not deleted.
func (s *Store) DisabledEndpoints(ctx context.Context) (int64, error) {
	n, err := s.q.EndpointCountDisabled(ctx)
	return n, wrap("disabled endpoints", err)
}
