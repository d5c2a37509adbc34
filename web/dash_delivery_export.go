package web

import (
	"context"
	"net/http"

	"github.com/clipcabinet/webhooks/internal/store"
)

// dashDeliveryExport downloads the drawer's filtered set, the owner's own
// endpoint's deliveries only, as CSV or NDJSON (format), streamed like the
// API's export. Filters the drawer would refuse are a 400 with the reason.
func (s *Server) dashDeliveryExport(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpointHistory(r)
	if err != nil {
		return err
	}
	format, err := exportFormat(r)
	if err != nil {
		return err
	}
	q := parseListQuery(r)
	if msg := q.problem(); msg != "" {
		return errBadRequest(msg)
	}
	f := q.filter(ep)
	return s.streamDeliveries(w, r, format, func(ctx context.Context, fn func(store.Delivery) error) error {
		return s.store.DeliveryExport(ctx, f, fn)
	})
}

// dashAdminDeliveryExport downloads the admin list's filtered set.
func (s *Server) dashAdminDeliveryExport(w http.ResponseWriter, r *http.Request) error {
	format, err := exportFormat(r)
	if err != nil {
		return err
	}
	_, sf, problem := s.parseAdminFilter(r.URL.Query())
	if problem != "" {
		return errBadRequest(problem)
	}
	return s.streamDeliveries(w, r, format, func(ctx context.Context, fn func(store.Delivery) error) error {
		return s.store.AdminDeliveryExport(ctx, sf, fn)
	})
}

// exportFormat is the format parameter: csv (the default) or ndjson.
func exportFormat(r *http.Request) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "csv":
		return "csv", nil
	case "ndjson":
		return f, nil
	}
	return "", errBadRequest("The format is csv or ndjson.")
}
