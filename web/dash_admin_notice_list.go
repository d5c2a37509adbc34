package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// dashAdminNoticeList is every user's notices with their email's state
// (queued, sent, retrying with the last error, failed, or why none was
// sent), filtered by that state. A bad filter is said on the page.
func (s *Server) dashAdminNoticeList(w http.ResponseWriter, r *http.Request) error {
	v := views.AdminNoticesView{Mail: s.cfg.SMTPURL != nil, State: r.URL.Query().Get("state")}
	status := http.StatusOK
	if v.State != "" && !slices.Contains(views.MailStates, v.State) {
		v.Error, v.State, status = "Unknown email state: choose one from the list.", "", http.StatusBadRequest
	}
	page, err := s.store.NoticeAdminList(r.Context(), v.State, r.URL.Query().Get("cursor"), noticePageSize)
	switch {
	case errors.Is(err, store.ErrBadCursor):
		v.Error, status = "That page link is out of date: start from the newest notices.", http.StatusBadRequest
	case err != nil:
		return err
	}
	for _, n := range page.Notices {
		v.Notices = append(v.Notices, adminNoticeRow(n))
	}
	if page.NextCursor != "" {
		v.NextURL = withQuery("/admin/notices", "state", v.State, "cursor", page.NextCursor)
	}
	return s.render(w, r, status, views.AdminNoticesPage(s.chrome(r, "Notices", "admin"), v))
}
