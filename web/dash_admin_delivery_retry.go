package web

import (
	"fmt"
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// dashAdminDeliveryRetry retries one delivery of any user. ?view=row
// answers the list row, otherwise the detail's live part.
func (s *Server) dashAdminDeliveryRetry(w http.ResponseWriter, r *http.Request) error {
	d, err := s.store.DeliveryGet(r.Context(), r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	ep, err := s.store.EndpointGetAny(r.Context(), d.EndpointID)
	if err != nil {
		return err
	}
	base := adminDeliveryPath(d.ID)
	live, err := s.retry(r, d.ID, ep, base)
	if err != nil {
		return err
	}
	if !isHTMX(r) {
		s.flashRetry(r, live)
		return redirect(w, r, base)
	}
	if r.URL.Query().Get("view") != "row" {
		return s.render(w, r, http.StatusOK, views.DeliveryLive(live))
	}
	fresh, err := s.store.DeliveryGet(r.Context(), d.ID)
	if err != nil {
		return err
	}
	u, err := s.store.UserGet(r.Context(), d.UserID)
	if err != nil {
		return err
	}
	row := s.adminRow(fresh, u.Email, ep.Url, ep.Enabled, ep.DeletedAt != nil)
	row.Message = live.Error
	if live.Error == "" {
		row.Message = "Retry requested."
	}
	return s.render(w, r, http.StatusOK, views.DeliveryRowC(row))
}

// dashAdminRetryPreview says how many deliveries a bulk retry of the
// filtered set would queue, and asks to confirm. A GET: it changes nothing.
func (s *Server) dashAdminRetryPreview(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	q.Set("status", "failed")
	vf, sf, problem := s.parseAdminFilter(q)
	n, err := s.store.AdminRetryCount(r.Context(), sf)
	if err != nil {
		return err
	}
	bulk := &views.BulkView{Filter: vf, Count: min(n, store.MaxBulkRetry), Capped: n > store.MaxBulkRetry}
	if fragmentTarget(r) == "bulk-panel" {
		return s.render(w, r, http.StatusOK, views.BulkPanel(*bulk))
	}
	v, err := s.adminView(r, vf, sf, problem)
	if err != nil {
		return err
	}
	v.Bulk = bulk
	return s.render(w, r, http.StatusOK, views.AdminPage(s.chrome(r, "Failed deliveries", "admin"), v))
}

// dashAdminRetryBulk queues a manual attempt for every failed delivery of
// the filtered set (the newest store.MaxBulkRetry).
func (s *Server) dashAdminRetryBulk(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errBadRequest("could not read the form")
	}
	q := r.PostForm
	q.Set("status", "failed")
	vf, sf, problem := s.parseAdminFilter(q)
	if problem != "" {
		return errBadRequest(problem)
	}
	n, err := s.store.AdminRetryFailed(r.Context(), actor(r), sf)
	if err != nil {
		return err
	}
	if n > 0 {
		s.wake()
	}
	msg := fmt.Sprintf("Retry requested for %d failed %s. Each row updates as its attempt is recorded.", n, map[bool]string{true: "delivery", false: "deliveries"}[n == 1])
	if !isHTMX(r) {
		s.flash(r.Context(), "ok", msg)
		return redirect(w, r, adminQuery("/admin/deliveries", vf))
	}
	v, err := s.adminView(r, vf, sf, "")
	if err != nil {
		return err
	}
	v.Bulk = &views.BulkView{Done: true, Queued: n, Message: msg}
	w.Header().Set("HX-Push-Url", "false")
	return s.render(w, r, http.StatusOK, views.AdminResults(v))
}
