package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// dashAuditList is the user's audit log: what was done to their endpoints,
// secrets and deliveries (by them, an admin, the service or the API),
// newest first, keyset paged.
func (s *Server) dashAuditList(w http.ResponseWriter, r *http.Request) error {
	u, _ := currentUser(r.Context())
	v := views.AuditView{}
	next, err := s.auditPage(r, &v, store.AuditFilter{UserID: u.ID}, u)
	if err != nil {
		return err
	}
	if next != "" {
		v.NextURL = withQuery("/audit", "cursor", next)
	}
	return s.render(w, r, http.StatusOK, views.AuditPage(s.chrome(r, "Audit log", "audit"), v))
}
