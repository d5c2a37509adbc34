package web

import (
	"errors"
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// dashEndpointSendTest sends a sample event and opens the drawer on the
// list, where the new delivery is on top and refreshes until final.
func (s *Server) dashEndpointSendTest(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	event := r.PostFormValue("event")
	v := s.endpointView(ep)
	v.Test.Event = event
	failed := func(status int, msg string) error {
		v.Test.Error = msg
		if isHTMX(r) {
			w.Header().Set("HX-Retarget", "#test-event")
			w.Header().Set("HX-Reswap", "outerHTML")
			w.Header().Set("HX-Push-Url", "false")
			return s.render(w, r, status, views.TestEventForm(v.Test))
		}
		return s.renderEndpointPage(w, r, status, ep.Url, ep, v)
	}
	if !webhook.KnownEvent(event) {
		return failed(http.StatusUnprocessableEntity, "Choose one of the event types in the list.")
	}
	id, err := s.sendTestEvent(r.Context(), ep, event)
	var conflict *store.Conflict
	var he *httpError
	if errors.As(err, &conflict) {
		return failed(http.StatusConflict, "The endpoint is disabled: enable it to send a test event.")
	} else if errors.As(err, &he) && he.Status == http.StatusTooManyRequests {
		return failed(he.Status, "Too many test events: "+he.Message+".")
	} else if err != nil {
		return err
	}
	notice := "Test " + event + " event sent as " + id + "."
	if !isHTMX(r) {
		s.flash(r.Context(), "ok", notice)
		return redirect(w, r, deliveriesPath(ep.ID))
	}
	d, err := s.drawerList(r, ep, listQuery{})
	if err != nil {
		return err
	}
	d.List.Notice = notice
	return s.render(w, r, http.StatusOK, views.Drawer(d))
}
