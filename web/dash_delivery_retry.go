package web

import (
	"errors"
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// dashDeliveryRetry queues a manual attempt and answers the detail's live
// part, which then polls until the attempt is recorded.
func (s *Server) dashDeliveryRetry(w http.ResponseWriter, r *http.Request) error {
	ep, d, err := s.ownDelivery(r)
	if err != nil {
		return err
	}
	base := deliveryPath(ep.ID, d.ID)
	live, err := s.retry(r, d.ID, ep, base)
	if err != nil {
		return err
	}
	if !isHTMX(r) {
		s.flashRetry(r, live)
		return redirect(w, r, base)
	}
	triggerDeliveriesChanged(w)
	return s.render(w, r, http.StatusOK, views.DeliveryLive(live))
}

// retry asks for a manual attempt (a conflict becomes a message, not an
// error page) and returns the delivery's fresh live part.
func (s *Server) retry(r *http.Request, id string, ep store.Endpoint, base string) (views.DeliveryLiveView, error) {
	var notice, problem string
	_, err := s.store.DeliveryRetry(r.Context(), actor(r), id)
	var conflict *store.Conflict
	switch {
	case errors.As(err, &conflict):
		problem = sentence(conflict.Msg)
	case err != nil:
		return views.DeliveryLiveView{}, err
	default:
		s.wake()
		notice = "Retry requested: the new attempt appears here in a moment."
	}
	d, err := s.store.DeliveryDetail(r.Context(), id)
	if err != nil {
		return views.DeliveryLiveView{}, err
	}
	live := s.liveRefresh(r, d, ep, base)
	live.Notice, live.Error = notice, problem
	return live, nil
}

func (s *Server) flashRetry(r *http.Request, live views.DeliveryLiveView) {
	if live.Error != "" {
		s.flash(r.Context(), "bad", live.Error)
	} else {
		s.flash(r.Context(), "ok", live.Notice)
	}
}
