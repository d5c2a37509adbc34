package web

import (
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
