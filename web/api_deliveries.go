package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

func (s *Server) apiDeliveryList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.DeliveryFilter{
		UserID: q.Get("userId"), EndpointID: q.Get("endpointId"), Status: q.Get("status"),
		Event: q.Get("event"), Cursor: q.Get("cursor"), Limit: 50,
	}
	fields := map[string]string{}
	if f.Status != "" && !slices.Contains(webhook.DeliveryStatuses, f.Status) {
		fields["status"] = "must be pending, retrying, succeeded or failed"
	}
	if f.Event != "" && !webhook.KnownEvent(f.Event) {
		fields["event"] = "unknown event type " + quote(f.Event)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fields["limit"] = "must be a whole number from 1 to 100"
		}
		f.Limit = n
	}
	if len(fields) > 0 {
		return errValidation(fields)
	}
	page, err := s.store.DeliveryList(r.Context(), f)
	if errors.Is(err, store.ErrBadCursor) {
		return errValidation(map[string]string{"cursor": "is not a cursor this API returned"})
	} else if err != nil {
		return err
	}
	out := struct {
		Data       []deliveryJSON `json:"data"`
		NextCursor *string        `json:"nextCursor"`
	}{Data: make([]deliveryJSON, len(page.Deliveries))}
	for i, d := range page.Deliveries {
		out.Data[i] = toDeliveryJSON(d)
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiDeliveryGet(w http.ResponseWriter, r *http.Request) error {
	d, err := s.store.DeliveryDetail(r.Context(), r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	out := struct {
		deliveryJSON
		Payload  *string       `json:"payload"`
		Attempts []attemptJSON `json:"attempts"`
	}{deliveryJSON: toDeliveryJSON(d.Delivery), Attempts: make([]attemptJSON, len(d.Attempts))}
	if d.Body != nil {
		p := string(d.Body)
		out.Payload = &p
	}
	for i, a := range d.Attempts {
		out.Attempts[i] = toAttemptJSON(a)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiDeliveryRetry(w http.ResponseWriter, r *http.Request) error {
	d, err := s.store.DeliveryRetry(r.Context(), apiActor(r), r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	s.wake()
	writeJSON(w, http.StatusAccepted, toDeliveryJSON(d))
	return nil
}
