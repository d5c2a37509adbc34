package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

// dashAdminDeliveryShow is one delivery of any user, for an admin.
func (s *Server) dashAdminDeliveryShow(w http.ResponseWriter, r *http.Request) error {
	d, err := s.store.DeliveryDetail(r.Context(), r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	ep, err := s.store.EndpointGetAny(r.Context(), d.EndpointID)
	if err != nil {
		return err
	}
	u, err := s.store.UserGet(r.Context(), d.UserID)
	if err != nil {
		return err
	}
	viewer, _ := currentUser(r.Context())
	base := adminDeliveryPath(d.ID)
	switch r.URL.Query().Get("part") {
	case "row":
		return s.render(w, r, http.StatusOK, views.DeliveryRowC(s.adminRow(d.Delivery, u.Email, ep.Url, ep.Enabled, ep.DeletedAt != nil)))
	case "live":
		return s.render(w, r, http.StatusOK, views.DeliveryLive(s.liveRefresh(r, d, ep, base)))
	}
	return s.render(w, r, http.StatusOK, views.AdminDeliveryPageC(s.chrome(r, d.EventType+" "+d.ID, "admin"), views.AdminDeliveryPage{
		Detail: s.detailView(d, ep, base, "", viewer.ID, attemptParam(r)), UserEmail: u.Email, UserID: u.ID, Endpoint: ep.Url,
	}))
}
