package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// dashNoticeSettings shows which kinds of notice email are on. It is the
// emails' List-Unsubscribe target: the link's kind is named on the page.
func (s *Server) dashNoticeSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.noticeSettings(r)
	if err != nil {
		return err
	}
	if k := r.URL.Query().Get("kind"); slices.Contains(webhook.NoticeKinds, k) {
		v.Kind = k
	}
	return s.render(w, r, http.StatusOK, views.NoticeSettingsPage(s.chrome(r, "Email settings", "notices"), v))
}

func (s *Server) noticeSettings(r *http.Request) (views.NoticeSettingsView, error) {
	u, _ := currentUser(r.Context())
	off, err := s.store.NoticeOptouts(r.Context(), u.ID)
	if err != nil {
		return views.NoticeSettingsView{}, err
	}
	v := views.NoticeSettingsView{Email: u.Email, Mail: s.cfg.SMTPURL != nil}
	for _, k := range webhook.NoticeKinds {
		v.Kinds = append(v.Kinds, views.NoticeSetting{Kind: k, Label: views.NoticeKindLabel(k), On: !slices.Contains(off, k)})
	}
	return v, nil
}

// dashNoticeSettingsUpdate saves the signed-in user's choices, or, for a
// mail provider's RFC 8058 one-click POST (body List-Unsubscribe=One-Click,
// no session), turns off the kind its link names when the link's token
// proves it came from our email to that user. The route is public for the
// second case; the first needs a session like any other form.
func (s *Server) dashNoticeSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 16); err != nil {
			return errBadRequest("The form could not be read.")
		}
	}
	if r.PostFormValue("List-Unsubscribe") == "One-Click" {
		return s.oneClickUnsubscribe(w, r)
	}
	if _, ok := currentUser(r.Context()); !ok {
		s.toLogin(w, r)
		return nil
	}
	u, _ := currentUser(r.Context())
	on := r.PostForm["email"]
	for _, k := range on {
		if !slices.Contains(webhook.NoticeKinds, k) {
			v, err := s.noticeSettings(r)
			if err != nil {
				return err
			}
			v.Error = "Unknown kind of notice: choose among those listed."
			return s.render(w, r, http.StatusUnprocessableEntity, views.NoticeSettingsPage(s.chrome(r, "Email settings", "notices"), v))
		}
	}
	var off []string
	for _, k := range webhook.NoticeKinds {
		if !slices.Contains(on, k) {
			off = append(off, k)
		}
	}
	if err := s.store.NoticeSetOptouts(r.Context(), u.ID, off); err != nil {
		return err
	}
	v, err := s.noticeSettings(r)
	if err != nil {
		return err
	}
	v.Saved = true
	return s.render(w, r, http.StatusOK, views.NoticeSettingsPage(s.chrome(r, "Email settings", "notices"), v))
}

// oneClickUnsubscribe answers a mail provider: 200 when the kind is off
// now, 400 for a link we did not make (the answer is read by a machine).
func (s *Server) oneClickUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	user, kind := q.Get("user"), q.Get("kind")
	if !slices.Contains(webhook.NoticeKinds, kind) || s.cfg.EncryptionKey == nil ||
		!auth.CheckUnsubscribeToken(s.cfg.EncryptionKey, user, kind, q.Get("token")) {
		return errBadRequest("This unsubscribe link is not valid.")
	}
	if err := s.store.NoticeOptout(r.Context(), user, kind); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "notice email turned off by one-click unsubscribe", "user_id", user, "kind", kind)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("Unsubscribed: " + views.NoticeKindLabel(kind) + " emails are off.\n"))
	return nil
}
