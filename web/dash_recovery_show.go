package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashRecoveryShow is a recovery of one of the user's endpoints: a page,
// or (?part=progress) the progress that polls itself until done.
func (s *Server) dashRecoveryShow(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	rec, err := s.store.RecoveryGet(r.Context(), r.PathValue("recoveryId"))
	if err != nil {
		return err
	}
	if rec.EndpointID == nil || *rec.EndpointID != ep.ID {
		return errNotFound()
	}
	v := s.recoveryView(rec, ep.Url, false)
	if r.URL.Query().Get("part") == "progress" {
		return s.render(w, r, http.StatusOK, views.RecoveryProgress(v))
	}
	v.URL = ""
	return s.render(w, r, http.StatusOK, views.RecoveryPageC(s.chrome(r, "Retry of failed deliveries", "endpoints"), views.RecoveryPage{
		Recovery: v, BackURL: endpointPath(ep.ID), BackText: ep.Url,
	}))
}
