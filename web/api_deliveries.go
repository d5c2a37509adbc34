package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

func (s *Server) apiDeliveryList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, fields := deliveryFilterFromQuery(q)
	f.Limit = 50
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
	if err != nil {
		return deliveryListErr(err)
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

// deliveryFilterFromQuery reads the filters the list and the export share:
// userId, endpointId, status, event, recordingId, outcome (of the last
// attempt), since and until (RFC 3339, on createdAt, both inclusive at the
// API's millisecond precision) and cursor. fields holds what is invalid.
func deliveryFilterFromQuery(q url.Values) (f store.DeliveryFilter, fields map[string]string) {
	f = store.DeliveryFilter{
		UserID: q.Get("userId"), EndpointID: q.Get("endpointId"), Status: q.Get("status"),
		Event: q.Get("event"), Cursor: q.Get("cursor"), RecordingID: q.Get("recordingId"), Outcome: q.Get("outcome"),
	}
	fields = map[string]string{}
	for name, v := range map[string]string{"userId": f.UserID, "endpointId": f.EndpointID, "recordingId": f.RecordingID} {
		if len(v) > 200 { // UTF-8 without NUL: see Server.api
			fields[name] = "must be at most 200 characters"
		}
	}
	if f.Status != "" && !slices.Contains(webhook.DeliveryStatuses, f.Status) {
		fields["status"] = "must be pending, retrying, succeeded or failed"
	}
	if f.Event != "" && !webhook.KnownEvent(f.Event) {
		fields["event"] = "unknown event type " + quote(f.Event)
	}
	if f.Outcome != "" && !slices.Contains(webhook.AttemptOutcomes, f.Outcome) {
		fields["outcome"] = "must be one of " + strings.Join(webhook.AttemptOutcomes, ", ")
	}
	f.Since = queryTime(q, "since", fields)
	if until := queryTime(q, "until", fields); until != nil {
		// Until names a millisecond, as createdAt shows it: every delivery
		// created within it is included.
		before := until.Truncate(time.Millisecond).Add(time.Millisecond)
		f.Before = &before
	}
	if f.Since != nil {
		since := f.Since.Truncate(time.Millisecond)
		f.Since = &since
		if f.Before != nil && !f.Since.Before(*f.Before) {
			fields["until"] = "must not be before since"
		}
	}
	return f, fields
}

// deliveryListErr is the answer to a list or export that failed.
func deliveryListErr(err error) error {
	if errors.Is(err, store.ErrBadCursor) {
		return errValidation(map[string]string{"cursor": "is not a cursor this API returned"})
	}
	return err
}

// queryTime reads an RFC 3339 time from q; nil when absent or invalid (then in fields).
func queryTime(q url.Values, name string, fields map[string]string) *time.Time {
	v := q.Get(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		fields[name] = "must be an RFC 3339 time such as 2026-04-30T22:00:14.512Z"
		return nil
	}
	t = t.UTC()
	return &t
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
