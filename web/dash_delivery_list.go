package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// drawerPageSize is how many deliveries the drawer shows per page.
const drawerPageSize = 25

// listQuery is the drawer's filters and page, as in its URL.
type listQuery struct{ Status, Event, Q, Cursor string }

func parseListQuery(r *http.Request) listQuery {
	q := r.URL.Query()
	return listQuery{Status: q.Get("status"), Event: q.Get("event"), Q: q.Get("q"), Cursor: q.Get("cursor")}
}

// drawerList is the drawer on the list: one keyset page, newest first.
func (s *Server) drawerList(r *http.Request, ep db.Endpoint, q listQuery) (views.DrawerView, error) {
	base := deliveriesPath(ep.ID)
	lv := views.DeliveryListView{
		Action: base, Status: q.Status, Event: q.Event, Query: q.Q,
		Statuses: deliveryStatuses, EventTypes: webhook.EventTypes,
		Filtered: q.Status != "" || q.Event != "" || q.Q != "",
	}
	d := views.DrawerView{EndpointID: ep.ID, EndpointURL: ep.Url, CloseURL: endpointPath(ep.ID), List: &lv}
	f := store.DeliveryFilter{EndpointID: ep.ID, UserID: ep.UserID, Status: q.Status, Event: q.Event,
		ID: q.Q, Cursor: q.Cursor, Limit: drawerPageSize}
	switch {
	case q.Status != "" && !slices.Contains(deliveryStatuses, q.Status):
		lv.Error = "Unknown status filter."
	case q.Event != "" && !webhook.KnownEvent(q.Event):
		lv.Error = "Unknown event type filter."
	case q.Q != "" && !webhook.ValidID(webhook.PrefixDelivery, q.Q):
		lv.Error = "Search takes a whole delivery id, such as del_2YwK3pQ8r5n6mZ4a."
	}
	if lv.Error != "" {
		return d, nil
	}
	page, err := s.store.DeliveryList(r.Context(), f)
	if errors.Is(err, store.ErrBadCursor) {
		lv.Error = "That page link is out of date: start from the first page."
		return d, nil
	} else if err != nil {
		return d, err
	}
	for _, del := range page.Deliveries {
		p := deliveryPath(ep.ID, del.ID)
		lv.Rows = append(lv.Rows, s.rowView(del, p, p+"?part=row"))
	}
	if page.NextCursor != "" {
		lv.NextURL = withQuery(base, "status", q.Status, "event", q.Event, "q", q.Q, "cursor", page.NextCursor)
	}
	return d, nil
}

// dashDeliveryList is the drawer on the list. Its URL opens the endpoint
// page with the drawer open; htmx gets the part it swaps.
func (s *Server) dashDeliveryList(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.ownEndpoint(r)
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
