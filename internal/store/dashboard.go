package store

import (
	"context"

	"github.com/clipcabinet/webhooks/db"
)

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
func (s *Store) EndpointSecret(ep db.Endpoint) (string, error) {
	ep = s.settled(ep)
	return s.OpenSecret(ep.ID, ep.SecretEncrypted)
}

// EndpointGetAny returns an endpoint even if it was deleted (the admin's
// view of a delivery names the endpoint it was for).
func (s *Store) EndpointGetAny(ctx context.Context, id string) (db.Endpoint, error) {
	e, err := s.q.EndpointGetIncludingDeleted(ctx, id)
	return e, wrap("endpoint get any", err)
}
