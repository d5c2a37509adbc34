package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// adminPageSize is how many deliveries the admin list shows per page.
const adminPageSize = 50

var sinceDurations = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// parseAdminFilter reads the admin filters from a query or form. With no
// status given the list shows failed deliveries; "any" shows all.
func (s *Server) parseAdminFilter(q url.Values) (views.AdminFilter, store.AdminFilter, string) {
	vf := views.AdminFilter{
		Status: q.Get("status"), User: strings.TrimSpace(q.Get("user")), Host: strings.TrimSpace(q.Get("host")),
		Event: q.Get("event"), Since: q.Get("since"), Query: strings.TrimSpace(q.Get("q")),
	}
	switch vf.Status {
	case "":
		vf.Status = "failed"
	case "any":
		vf.Status = ""
	}
	var problem string
	// PostgreSQL refuses text that is not UTF-8 or holds NUL: a filter
	// like that is the user's mistake, not a 500.
	for _, v := range []*string{&vf.User, &vf.Host, &vf.Query} {
		if !storableText(*v) {
			problem, *v = "The filters hold characters that cannot be searched for.", ""
		}
	}
	if vf.Status != "" && !slices.Contains(deliveryStatuses, vf.Status) {
		problem, vf.Status = "Unknown status filter.", "failed"
	}
	if vf.Event != "" && !webhook.KnownEvent(vf.Event) {
		problem, vf.Event = "Unknown event type filter.", ""
	}
	if _, ok := sinceDurations[vf.Since]; !ok && vf.Since != "" {
		problem, vf.Since = "Unknown time range.", ""
	}
	sf := store.AdminFilter{Status: vf.Status, User: vf.User, Host: vf.Host, Event: vf.Event, Limit: adminPageSize}
	if d, ok := sinceDurations[vf.Since]; ok {
		sf.Since = s.store.Now().Add(-d)
	}
	if strings.HasPrefix(vf.Query, webhook.PrefixDelivery) {
		sf.DeliveryID = vf.Query
	} else {
		sf.RecordingID = vf.Query
	}
	return vf, sf, problem
}

// adminQuery is the filter as a query string, for links that keep it.
func adminQuery(path string, f views.AdminFilter, extra ...string) string {
	status := f.Status
	if status == "" {
		status = "any"
	}
	kv := append([]string{"q", f.Query, "user", f.User, "host", f.Host, "event", f.Event, "since", f.Since, "status", status}, extra...)
	return withQuery(path, kv...)
}

func adminDeliveryPath(id string) string { return "/admin/deliveries/" + id }

// adminRow is a delivery as the admin list shows it.
func (s *Server) adminRow(d store.Delivery, email, endpointURL string, enabled, deleted bool) views.DeliveryRow {
	p := adminDeliveryPath(d.ID)
	row := s.rowView(d, p, p+"?part=row")
	row.Admin, row.UserEmail, row.EndpointURL = true, email, endpointURL
	row.RetryURL = p + "/retry?view=row"
	row.RetryDisabled = retryBlocked(d, enabled, deleted)
	row.CanRetry = row.RetryDisabled == ""
	return row
}

func (s *Server) adminView(r *http.Request, vf views.AdminFilter, sf store.AdminFilter, problem string) (views.AdminView, error) {
	v := views.AdminView{Filter: vf, Statuses: deliveryStatuses, EventTypes: webhook.EventTypes, Error: problem}
	if vf.Status == "failed" {
		v.PreviewURL = adminQuery("/admin/deliveries/retry", vf)
	}
	sf.Cursor = r.URL.Query().Get("cursor")
	page, err := s.store.AdminDeliveryList(r.Context(), sf)
	if errors.Is(err, store.ErrBadCursor) {
		v.Error = "That page link is out of date: start from the first page."
		return v, nil
	} else if err != nil {
		return v, err
	}
	for _, d := range page.Deliveries {
		v.Rows = append(v.Rows, s.adminRow(d.Delivery, d.UserEmail, d.EndpointURL, d.EndpointEnabled, d.EndpointDeleted))
	}
	if page.NextCursor != "" {
		v.NextURL = adminQuery("/admin/deliveries", vf, "cursor", page.NextCursor)
	}
	return v, nil
}

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
