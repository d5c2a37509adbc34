package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
)

// A deleted endpoint keeps its history for its owner: the endpoint page,
// the deliveries drawer, a delivery and the export answer it read-only
// (ownEndpointHistory, ownDeliveryHistory), under a "deleted on" banner.
// Everything that would change it answers 410 Gone (ownEndpoint). Another
// user's endpoint, deleted or not, stays the same 404.

// ownEndpointHistory loads the path's endpoint, deleted or not, if it is
// the signed-in user's.
func (s *Server) ownEndpointHistory(r *http.Request) (store.Endpoint, error) {
	u, _ := currentUser(r.Context())
	ep, err := s.store.EndpointGetAny(r.Context(), r.PathValue("endpointId"))
	if err != nil {
		return store.Endpoint{}, err
	}
	if ep.UserID != u.ID {
		return store.Endpoint{}, errNotFound()
	}
	return ep, nil
}

// ownDeliveryHistory loads the path's delivery if it belongs to the path's
// endpoint, which must be the user's and may be deleted.
func (s *Server) ownDeliveryHistory(r *http.Request) (store.Endpoint, store.DeliveryDetail, error) {
	ep, err := s.ownEndpointHistory(r)
	if err != nil {
		return store.Endpoint{}, store.DeliveryDetail{}, err
	}
	d, err := s.store.DeliveryDetail(r.Context(), r.PathValue("deliveryId"))
	if err != nil {
		return store.Endpoint{}, store.DeliveryDetail{}, err
	}
	if d.EndpointID != ep.ID || d.UserID != ep.UserID {
		return store.Endpoint{}, store.DeliveryDetail{}, errNotFound()
	}
	return ep, d, nil
}

// errDeleted refuses a change to a deleted endpoint, to its owner.
func errDeleted(ep store.Endpoint) error {
	msg := "This endpoint was deleted"
	if ep.DeletedAt != nil {
		msg += " on " + ep.DeletedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return &httpError{Status: http.StatusGone, Code: "endpoint_deleted",
		Message: msg + ". Its deliveries can still be read and exported, but nothing about it can be changed."}
}
