package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashDeliveryShow is one delivery in the drawer. ?part=row and ?part=live
// are the pieces that poll while the delivery is not final.
func (s *Server) dashDeliveryShow(w http.ResponseWriter, r *http.Request) error {
	ep, d, err := s.ownDeliveryHistory(r)
	if err != nil {
		return err
	}
	base := deliveryPath(ep.ID, d.ID)
	switch r.URL.Query().Get("part") {
	case "row":
		return s.render(w, r, http.StatusOK, views.DeliveryRowC(s.rowView(d.Delivery, base, base+"?part=row")))
	case "live":
		return s.render(w, r, http.StatusOK, views.DeliveryLive(s.liveRefresh(r, d, ep, base)))
	}
	viewer, _ := currentUser(r.Context())
	dv := s.detailView(d, ep, base, deliveriesPath(ep.ID), viewer.ID, attemptParam(r))
	drawer := views.DrawerView{EndpointID: ep.ID, EndpointURL: ep.Url, CloseURL: endpointPath(ep.ID), Detail: &dv, DeletedAt: ep.DeletedAt}
	if fragmentTarget(r) == "drawer" {
		return s.render(w, r, http.StatusOK, views.Drawer(drawer))
	}
	v := s.endpointView(ep)
	v.Drawer = &drawer
	return s.renderEndpointPage(w, r, http.StatusOK, d.EventType+" "+d.ID, ep, v)
}
