package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashAdminRecoveryShow is any recovery, for an admin: a page, or
// (?part=progress) the progress that polls itself until done.
func (s *Server) dashAdminRecoveryShow(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.store.RecoveryGet(r.Context(), r.PathValue("recoveryId"))
	if err != nil {
		return err
	}
	var endpointURL string
	if rec.EndpointID != nil {
		ep, err := s.store.EndpointGetAny(r.Context(), *rec.EndpointID)
		if err != nil {
			return err
		}
		endpointURL = ep.Url
	}
	v := s.recoveryView(rec, endpointURL, true)
	if r.URL.Query().Get("part") == "progress" {
		return s.render(w, r, http.StatusOK, views.RecoveryProgress(v))
	}
	v.URL = ""
	return s.render(w, r, http.StatusOK, views.RecoveryPageC(s.chrome(r, "Retry of failed deliveries", "admin"), views.RecoveryPage{
		Recovery: v, BackURL: "/admin/deliveries", BackText: "Failed deliveries", Admin: true,
	}))
}
