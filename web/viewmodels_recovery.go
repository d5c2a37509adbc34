package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// recentRecovery is how long the endpoint page keeps showing a finished
// recovery's result.
const recentRecovery = 24 * time.Hour

// recoveryInputLayout is how the range's text fields show a time (UTC);
// parseRecoveryTime reads it and the other forms the search filters take.
const recoveryInputLayout = "2006-01-02 15:04"

// renderEndpointPage renders the whole endpoint page, with the recovery
// card and the health charts filled in unless the caller did.
func (s *Server) renderEndpointPage(w http.ResponseWriter, r *http.Request, status int, title string, ep store.Endpoint, v views.EndpointView) error {
	if ep.DeletedAt != nil {
		return s.render(w, r, status, views.DeletedEndpointPage(s.chrome(r, title, "endpoints"), v))
	}
	if v.Recovery.EndpointID == "" {
		card, err := s.recoveryCard(r.Context(), ep, false)
		if err != nil {
			return err
		}
		v.Recovery = card
	}
	if v.Health.Windows == nil {
		h, err := s.healthView(r.Context(), ep.ID)
		if err != nil {
			return err
		}
		v.Health = h
	}
	return s.render(w, r, status, views.EndpointPage(s.chrome(r, title, "endpoints"), v))
}

// recoveryCard is the endpoint page's recovery card: the newest recovery
// while it runs (and its result for a day), and the counted offer.
func (s *Server) recoveryCard(ctx context.Context, ep store.Endpoint, justEnabled bool) (views.RecoveryCard, error) {
	card := views.RecoveryCard{EndpointID: ep.ID, Enabled: ep.Enabled, JustEnabled: justEnabled}
	rec, err := s.store.RecoveryLatest(ctx, ep.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return card, err
	case !rec.Done || s.store.Now().Sub(rec.RequestedAt) < recentRecovery:
		v := s.recoveryView(rec, ep.Url, false)
		card.Latest = &v
	}
	if ep.Enabled && (card.Latest == nil || card.Latest.Done) {
		if card.Offer, err = s.defaultOffer(ctx, ep); err != nil {
			return card, err
		}
	}
	return card, nil
}

// defaultOffer starts the range when the endpoint started failing (its
// oldest failed delivery after its newest successful one), to the minute;
// with no failure since, a day back.
func (s *Server) defaultOffer(ctx context.Context, ep store.Endpoint) (views.RecoveryOffer, error) {
	o := views.RecoveryOffer{EndpointID: ep.ID}
	since, ok, err := s.store.EndpointFailingSince(ctx, ep.ID)
	if err != nil {
		return o, err
	}
	if !ok {
		since = s.store.Now().Add(-24 * time.Hour)
	}
	from := since.UTC().Truncate(time.Minute)
	o.From, o.FailingSince = from.Format(recoveryInputLayout), ok
	o.Count, err = s.store.RecoveryCount(ctx, store.RecoveryScope{EndpointID: ep.ID, From: from})
	return o, err
}

// offerFromForm reads the range a user chose; problems go into o.Errors
// as inline messages, never an error page.
func (s *Server) offerFromForm(ctx context.Context, ep store.Endpoint, form url.Values) (views.RecoveryOffer, store.RecoveryScope, error) {
	o := views.RecoveryOffer{EndpointID: ep.ID, Errors: map[string]string{},
		From: strings.TrimSpace(form.Get("from")), To: strings.TrimSpace(form.Get("to"))}
	sc := store.RecoveryScope{EndpointID: ep.ID}
	now := s.store.Now()
	var ok bool
	switch {
	case o.From == "":
		o.Errors["from"] = "Choose the time to retry from."
	default:
		if sc.From, ok = parseRecoveryTime(o.From); !ok {
			o.Errors["from"] = "Enter a date and time in UTC, like 2026-11-30 17:42."
		} else if sc.From.After(now) {
			o.Errors["from"] = "That time is in the future."
		}
	}
	if o.To != "" {
		if sc.To, ok = parseRecoveryTime(o.To); !ok {
			o.Errors["to"] = "Enter a date and time in UTC, like 2026-11-30 17:42, or leave it empty for now."
		} else if o.Errors["from"] == "" && !sc.To.After(sc.From) {
			o.Errors["to"] = "Must be after the start."
		}
	}
	if len(o.Errors) > 0 {
		return o, sc, nil
	}
	o.From = sc.From.Format(recoveryInputLayout)
	if o.To != "" {
		o.To = sc.To.Format(recoveryInputLayout)
	}
	since, failing, err := s.store.EndpointFailingSince(ctx, ep.ID)
	if err != nil {
		return o, sc, err
	}
	o.FailingSince = failing && since.UTC().Truncate(time.Minute).Equal(sc.From)
	o.Count, err = s.store.RecoveryCount(ctx, sc)
	return o, sc, err
}

// parseRecoveryTime reads a time as the search filters do (UTC
// "2026-11-30 17:42", with seconds, with a T, a whole day, or RFC 3339
// with its offset), the start of what it names.
func parseRecoveryTime(v string) (time.Time, bool) {
	if !storableText(v) || len(v) > 40 {
		return time.Time{}, false
	}
	t, _, ok := parseFindTime(v)
	if !ok || t.Year() < 2000 || t.Year() >= 3000 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// recoveryView is a recovery's progress for a page; endpointURL names its
// endpoint (a user's recovery), admin links to the admin's page of it.
func (s *Server) recoveryView(rec store.Recovery, endpointURL string, admin bool) views.RecoveryView {
	v := views.RecoveryView{
		ID: rec.ID, From: rec.RangeFrom, To: rec.RangeTo, RequestedAt: rec.RequestedAt,
		Total: rec.Total, Retried: rec.Retried, Succeeded: rec.Succeeded, Done: rec.Done,
	}
	switch {
	case admin:
		v.URL = adminRecoveryPath(rec.ID)
	case rec.EndpointID != nil:
		v.URL = recoveryPath(*rec.EndpointID, rec.ID)
	}
	v.PollURL = v.URL + "?part=progress"
	if rec.EndpointID != nil {
		v.Scope = "Failed deliveries of " + endpointURL
	} else {
		v.Scope = "Failed deliveries of every user" + filterText(rec.Filter)
	}
	return v
}

// filterText says an admin recovery's filter in words.
func filterText(raw []byte) string {
	var f map[string]string
	if json.Unmarshal(raw, &f) != nil || len(f) == 0 {
		return ""
	}
	names := map[string]string{"user": "user", "host": "endpoint host", "event": "event type",
		"delivery_id": "delivery id", "recording_id": "recording id", "endpoint_id": "endpoint", "exact_host": "host"}
	var parts []string
	for k, v := range f {
		parts = append(parts, names[k]+" “"+v+"”")
	}
	sort.Strings(parts)
	return " matching " + strings.Join(parts, ", ")
}
