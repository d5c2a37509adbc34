package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// dashRecoveryCreate starts a recovery of the endpoint's failed deliveries
// in the chosen range: they are marked as manually requested and the
// dispatcher sends them in the background, under the endpoint's usual
// in-flight cap. htmx gets the recovery card showing the progress, which
// polls itself; a plain POST goes to the recovery's page.
func (s *Server) dashRecoveryCreate(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errBadRequest("could not read the form")
	}
	card := views.RecoveryCard{EndpointID: ep.ID, Enabled: ep.Enabled}
	o, sc, err := s.offerFromForm(r.Context(), ep, r.PostForm)
	if err != nil {
		return err
	}
	again := func(status int) error {
		card.Offer = o
		if isHTMX(r) {
			return s.render(w, r, status, views.RecoveryCardC(card))
		}
		v := s.endpointView(ep)
		v.Recovery = card
		return s.renderEndpointPage(w, r, status, ep.Url, ep, v)
	}
	switch {
	case !ep.Enabled:
		return again(http.StatusConflict)
	case len(o.Errors) > 0:
		return again(http.StatusUnprocessableEntity)
	}
	rec, err := s.store.RecoveryStart(r.Context(), actor(r), sc, s.wakeAll)
	if errors.Is(err, store.ErrNothingToRecover) {
		o.Count, o.Error = 0, "No failed delivery in this range can be retried now: none failed, or they are already being retried."
		return again(http.StatusConflict)
	} else if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "recovery started", "recovery_id", rec.ID, "endpoint_id", ep.ID, "count", rec.Total)
	progress, err := s.store.RecoveryGet(r.Context(), rec.ID)
	if err != nil {
		return err
	}
	if !isHTMX(r) {
		s.flash(r.Context(), "ok", fmt.Sprintf("Retrying %d failed deliveries in the background.", rec.Total))
		return redirect(w, r, recoveryPath(ep.ID, rec.ID))
	}
	v := s.recoveryView(progress, ep.Url, false)
	v.Fresh = true
	card.Latest = &v
	return s.render(w, r, http.StatusCreated, views.RecoveryCardC(card))
}
