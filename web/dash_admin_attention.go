package web

import (
	"fmt"
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// attentionShown is how many groups Needs attention lists; the rest are
// counted.
const attentionShown = 100

// dashAdminAttention is the admin's landing page: the endpoints that are
// failing or that the service disabled, worst first, one group per
// endpoint or (?by=host) per receiving host across users. A grouping it
// does not know is a 400 with the message over the endpoints' list.
func (s *Server) dashAdminAttention(w http.ResponseWriter, r *http.Request) error {
	v := views.AttentionView{By: "endpoint"}
	status := http.StatusOK
	switch by := r.URL.Query().Get("by"); by {
	case "", "endpoint":
	case "host":
		v.By = "host"
	default:
		status = http.StatusBadRequest
		v.Error = "Group by endpoint or by host (by=endpoint or by=host); showing them by endpoint."
	}
	eps, err := s.store.Attention(r.Context())
	if err != nil {
		return err
	}
	if v.By == "host" {
		for _, h := range store.AttentionByHost(eps) {
			v.Groups = append(v.Groups, s.attentionHostGroup(h))
		}
	} else {
		for _, e := range eps {
			v.Groups = append(v.Groups, s.attentionEndpointGroup(e))
		}
	}
	v.Total = len(v.Groups)
	v.Groups = v.Groups[:min(len(v.Groups), attentionShown)]
	return s.render(w, r, status, views.AttentionPage(s.chrome(r, "Needs attention", "admin"), v))
}

// dashAdminAttentionNotify is "Notify the owner again" on a group: the
// notice (failing, or disabled) of each endpoint posted is raised again
// for its owner, emailed unless they turned that kind off (store.
// NoticeRemind), and the admin comes back to the page they were on with
// what happened. No endpoint, or more than a group can hold, is a 400.
func (s *Server) dashAdminAttentionNotify(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errBadRequest("The form could not be read.")
	}
	ids := r.PostForm["endpoint"]
	if len(ids) == 0 || len(ids) > attentionShown*10 {
		return errBadRequest("Say which endpoints' owners to notify (endpoint=…).")
	}
	n, err := s.store.NoticeRemind(r.Context(), actor(r), ids)
	if err != nil {
		return err
	}
	switch {
	case n == 0:
		s.flash(r.Context(), "bad", "Nothing sent: the owner was notified about this in the last 10 minutes, or the endpoint is gone.")
	case n == 1:
		s.flash(r.Context(), "ok", "The owner was notified again: the notice is on their Notices page and emailed unless they turned that kind off.")
	default:
		s.flash(r.Context(), "ok", fmt.Sprintf("%d notices sent again to their owners: on their Notices pages and emailed unless they turned that kind off.", n))
	}
	back := "/admin/attention"
	if r.PostForm.Get("by") == "host" {
		back += "?by=host"
	}
	return redirect(w, r, back)
}
