package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashEndpointDelete deletes after a confirmation: app.js asks in a dialog
// and sends confirm=yes; without JavaScript the POST answers a
// confirmation page whose button sends it.
func (s *Server) dashEndpointDelete(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return s.render(w, r, http.StatusOK, views.ConfirmPage(s.chrome(r, "Delete endpoint", "endpoints"), views.ConfirmView{
			Title:   "Delete " + ep.Url + "?",
			Message: "The endpoint stops receiving deliveries at once and its unfinished deliveries are marked failed. This cannot be undone.",
			Action:  endpointPath(ep.ID) + "/delete", Button: "Delete endpoint", Cancel: endpointPath(ep.ID),
		}))
	}
	if err := s.store.EndpointDelete(r.Context(), actor(r), ep.ID); err != nil {
		return err
	}
	s.flash(r.Context(), "ok", "Endpoint "+ep.Url+" deleted.")
	return redirect(w, r, "/endpoints")
}
