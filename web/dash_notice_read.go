package web

import (
	"net/http"
	"strconv"

	"github.com/clipcabinet/webhooks/views"
)

// dashNoticeRead marks the user's notices up to the newest one the page
// showed read (a notice raised since stays unread). htmx posts it when the
// notices page loads and gets the header's new count and a line saying
// so; without JavaScript it is the page's button, and the page again.
func (s *Server) dashNoticeRead(w http.ResponseWriter, r *http.Request) error {
	u, _ := currentUser(r.Context())
	upTo, err := strconv.ParseInt(r.PostFormValue("upTo"), 10, 64)
	if err != nil || upTo < 1 {
		return errBadRequest("upTo must be the id of the newest notice shown.")
	}
	if _, err := s.store.NoticeMarkRead(r.Context(), u.ID, upTo); err != nil {
		return err
	}
	if !isHTMX(r) {
		return redirect(w, r, "/notices")
	}
	n, err := s.store.NoticeUnread(r.Context(), u.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.NoticesRead(int(n)))
}
