package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashRecoveryNew counts the failed deliveries a recovery of the chosen
// range would retry, before the user confirms. A GET: it changes nothing.
// htmx asks for the summary (count and button) when the range changes;
// without JavaScript it is the endpoint page with the counted offer.
func (s *Server) dashRecoveryNew(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	o, _, err := s.offerFromForm(r.Context(), ep, r.URL.Query())
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(o.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	if fragmentTarget(r) == "recovery-summary" {
		// A problem with the range is said in the summary itself.
		return s.render(w, r, status, views.RecoverySummary(o))
	}
	card, err := s.recoveryCard(r.Context(), ep, false)
	if err != nil {
		return err
	}
	card.Offer = o
	v := s.endpointView(ep)
	v.Recovery = card
	return s.renderEndpointPage(w, r, status, ep.Url, ep, v)
}
