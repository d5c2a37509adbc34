package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// deliveriesChanged is the htmx event (sent as an HX-Trigger response
// header) that tells the endpoint page its deliveries changed: the drawer
// closed, or a retry was asked for in it. The page's hidden refresher
// (views.pageRefresh) then fetches endpointSummaryRefresh.
const deliveriesChanged = "deliveries-changed"

// triggerDeliveriesChanged makes htmx fire deliveriesChanged when this
// response arrives.
func triggerDeliveriesChanged(w http.ResponseWriter) {
	w.Header().Set("HX-Trigger", deliveriesChanged)
}

// endpointSummaryRefresh answers the refresher: the summary card, and the
// recovery card (its counts move with the deliveries) out of band.
func (s *Server) endpointSummaryRefresh(w http.ResponseWriter, r *http.Request, ep store.Endpoint, v views.EndpointView) error {
	card, err := s.recoveryCard(r.Context(), ep, false)
	if err != nil {
		return err
	}
	v.Recovery, v.Recovery.OOB = card, true
	return s.render(w, r, http.StatusOK, views.EndpointSummary(v))
}
