package web

import (
	"errors"
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// dashNoticeList is the user's notices, newest first, keyset paged. The
// page posts /notices/read once loaded, so viewing marks them read.
func (s *Server) dashNoticeList(w http.ResponseWriter, r *http.Request) error {
	u, _ := currentUser(r.Context())
	v := views.NoticesView{Mail: s.cfg.SMTPURL != nil}
	page, err := s.store.NoticeList(r.Context(), u.ID, r.URL.Query().Get("cursor"), noticePageSize)
	switch {
	case errors.Is(err, store.ErrBadCursor):
		v.Error = "That page link is out of date: start from the newest notices."
	case err != nil:
		return err
	}
	for _, n := range page.Notices {
		row := noticeRow(n)
		if row.Unread {
			v.Unread++
		}
		v.NewestID = max(v.NewestID, n.ID)
		v.Notices = append(v.Notices, row)
	}
	if page.NextCursor != "" {
		v.NextURL = withQuery("/notices", "cursor", page.NextCursor)
	}
	status := http.StatusOK
	if v.Error != "" {
		status = http.StatusBadRequest
	}
	return s.render(w, r, status, views.NoticesPage(s.chrome(r, "Notices", "notices"), v))
}
