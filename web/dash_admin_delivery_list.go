package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

func (s *Server) dashAdminDeliveryList(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("part") == "none" {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	vf, sf, problem := s.parseAdminFilter(r.URL.Query())
	v, err := s.adminView(r, vf, sf, problem)
	if err != nil {
		return err
	}
	switch fragmentTarget(r) {
	case "admin-results":
		return s.render(w, r, http.StatusOK, views.AdminResults(v))
	case "load-more":
		return s.render(w, r, http.StatusOK, views.DeliveryRows(v.Rows, v.NextURL, 7))
	}
	return s.render(w, r, http.StatusOK, views.AdminPage(s.chrome(r, "Failed deliveries", "admin"), v))
}
