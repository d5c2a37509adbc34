package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

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

// adminRecoveryScope is the recovery of the filtered failed deliveries.
func adminRecoveryScope(sf store.AdminFilter) store.RecoveryScope {
	sc := store.RecoveryScope{Filter: sf, From: sf.Since}
	sc.Filter.Since = time.Time{}
	return sc
}

// dashAdminRetryPreview says how many deliveries a bulk retry of the
// filtered set would queue, and asks to confirm. A GET: it changes nothing.
func (s *Server) dashAdminRetryPreview(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	q.Set("status", "failed")
	vf, sf, problem := s.parseAdminFilter(q)
	bulk := &views.BulkView{Filter: vf, Error: problem}
	if problem == "" {
		n, err := s.store.RecoveryCount(r.Context(), adminRecoveryScope(sf))
		if err != nil {
			return err
		}
		bulk.Count = n
	}
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

// dashAdminRetryBulk starts a recovery of every failed delivery of the
// filtered set, however many: they are marked in batches and sent in the
// background under each endpoint's in-flight cap. htmx gets the list with
// the recovery's progress on top; a plain POST goes to the recovery's page.
func (s *Server) dashAdminRetryBulk(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errBadRequest("could not read the form")
	}
	q := r.PostForm
	q.Set("status", "failed")
	vf, sf, problem := s.parseAdminFilter(q)
	bulk := &views.BulkView{Filter: vf, Error: problem}
	if problem == "" {
		rec, err := s.store.RecoveryStart(r.Context(), actor(r), adminRecoveryScope(sf), s.wakeAll)
		switch {
		case errors.Is(err, store.ErrNothingToRecover):
			bulk.Count = 0
		case err != nil:
			return err
		default:
			s.log.InfoContext(r.Context(), "admin recovery started", "recovery_id", rec.ID, "count", rec.Total)
			if !isHTMX(r) {
				s.flash(r.Context(), "ok", fmt.Sprintf("Retrying %d failed deliveries in the background.", rec.Total))
				return redirect(w, r, adminRecoveryPath(rec.ID))
			}
			progress, err := s.store.RecoveryGet(r.Context(), rec.ID)
			if err != nil {
				return err
			}
			pv := s.recoveryView(progress, "", true)
			pv.Fresh = true
			bulk.Progress = &pv
		}
	}
	status := http.StatusOK
	if bulk.Progress == nil {
		status = http.StatusConflict
		if problem != "" {
			status = http.StatusUnprocessableEntity
		}
	}
	if !isHTMX(r) {
		v, err := s.adminView(r, vf, sf, problem)
		if err != nil {
			return err
		}
		v.Bulk = bulk
		return s.render(w, r, status, views.AdminPage(s.chrome(r, "Failed deliveries", "admin"), v))
	}
	v, err := s.adminView(r, vf, sf, "")
	if err != nil {
		return err
	}
	v.Bulk = bulk
	w.Header().Set("HX-Push-Url", "false")
	return s.render(w, r, status, views.AdminResults(v))
}
