package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashDeliveryList is the drawer on the list. Its URL opens the endpoint
// page with the drawer open; htmx gets the part it swaps.
func (s *Server) dashDeliveryList(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpointHistory(r)
	if err != nil {
		return err
	}
	d, err := s.drawerList(r, ep, parseListQuery(r))
	if err != nil {
		return err
	}
	switch fragmentTarget(r) {
	case "drawer":
		return s.render(w, r, http.StatusOK, views.Drawer(d))
	case "drawer-results":
		return s.render(w, r, http.StatusOK, views.DeliveryResults(*d.List))
	case "load-more":
		return s.render(w, r, http.StatusOK, views.DeliveryRows(d.List.Rows, d.List.NextURL, 6))
	}
	v := s.endpointView(ep)
	v.Drawer = &d
	return s.renderEndpointPage(w, r, http.StatusOK, "Deliveries · "+ep.Url, ep, v)
}
