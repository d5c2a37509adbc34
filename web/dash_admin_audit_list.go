package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// dashAdminAuditList is every user's audit log, for an admin, with a
// filter by user (owner or actor: an id or part of an email) and action.
// Bad filters are said on the page, never a 500.
func (s *Server) dashAdminAuditList(w http.ResponseWriter, r *http.Request) error {
	u, _ := currentUser(r.Context())
	q := r.URL.Query()
	v := views.AuditView{Admin: true, Actions: auditActions,
		Who: strings.TrimSpace(q.Get("user")), Action: q.Get("action")}
	if !queryStorable(r) || len(v.Who) > 320 {
		v.Error, v.Who, v.Action = "The filters hold characters that cannot be searched for.", "", ""
		return s.render(w, r, http.StatusBadRequest, views.AuditPage(s.chrome(r, "Audit log", "admin"), v))
	}
	if v.Action != "" && !slices.ContainsFunc(auditActions, func(a views.AuditAction) bool { return a.Value == v.Action }) {
		v.Error, v.Action = "Unknown action filter.", ""
	}
	next, err := s.auditPage(r, &v, store.AuditFilter{Who: v.Who, Action: v.Action}, u)
	if err != nil {
		return err
	}
	if next != "" {
		v.NextURL = withQuery("/admin/audit", "user", v.Who, "action", v.Action, "cursor", next)
	}
	return s.render(w, r, http.StatusOK, views.AuditPage(s.chrome(r, "Audit log", "admin"), v))
}
