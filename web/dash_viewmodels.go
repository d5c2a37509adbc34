package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// ownEndpoint loads the path's endpoint if it is the signed-in user's. A
// missing, deleted or other user's endpoint is the same 404.
func (s *Server) ownEndpoint(r *http.Request) (db.Endpoint, error) {
	u, _ := currentUser(r.Context())
	ep, err := s.store.EndpointGet(r.Context(), r.PathValue("endpointId"))
	if err != nil {
		return db.Endpoint{}, err
	}
	if ep.UserID != u.ID {
		return db.Endpoint{}, errNotFound()
	}
	return ep, nil
}

// ownDelivery loads the path's delivery if it belongs to the path's
// endpoint, which must be the user's.
func (s *Server) ownDelivery(r *http.Request) (db.Endpoint, store.DeliveryDetail, error) {
	ep, err := s.ownEndpoint(r)
	if err != nil {
		return db.Endpoint{}, store.DeliveryDetail{}, err
	}
	d, err := s.store.DeliveryDetail(r.Context(), r.PathValue("deliveryId"))
	if err != nil {
		return db.Endpoint{}, store.DeliveryDetail{}, err
	}
	if d.EndpointID != ep.ID || d.UserID != ep.UserID {
		return db.Endpoint{}, store.DeliveryDetail{}, errNotFound()
	}
	return ep, d, nil
}

func endpointPath(id string) string { return "/endpoints/" + id }

func deliveriesPath(epID string) string { return "/endpoints/" + epID + "/deliveries" }

func deliveryPath(epID, id string) string { return deliveriesPath(epID) + "/" + id }

func (s *Server) endpointView(ep db.Endpoint) views.EndpointView {
	v := views.EndpointView{
		ID: ep.ID, URL: ep.Url, Description: ep.Description, Events: ep.Events, Enabled: ep.Enabled,
		CreatedAt: ep.CreatedAt,
		Secret:    s.secretView(ep),
		Test:      views.TestEventView{EndpointID: ep.ID, Enabled: ep.Enabled, EventTypes: webhook.EventTypes},
	}
	if !ep.Enabled {
		v.AutoDisabled, v.DisabledAt = autoDisabled(ep.DisabledBy), ep.DisabledAt
		v.DisabledReason = disabledReasonText(ep.DisabledReason)
	}
	if len(ep.Events) > 0 {
		v.Test.Event = ep.Events[0]
	}
	return v
}

// secretView is the secret box, masked: whether a rotation is pending, and
// whether the active secret can serve Standard Webhooks (opened without an
// audit entry, as the delivery page's signature is; it is never shown).
func (s *Server) secretView(ep db.Endpoint) views.SecretView {
	v := views.SecretView{EndpointID: ep.ID, StandardWebhooks: ep.StandardWebhooks, Now: s.store.Now()}
	if ep.SecretActivatesAt != nil {
		v.Pending, v.ActivatesAt = true, *ep.SecretActivatesAt
	}
	if secret, err := s.store.EndpointSecret(ep); err == nil {
		v.StandardCapable = webhook.IsStandardSecret(secret)
	}
	return v
}

// autoDisabled: the maintainer disabled the endpoint (410 Gone, or no
// success for too long), not a person.
func autoDisabled(by *string) bool { return by != nil && *by == store.ActorSystem }

// disabledReasonText is the stored reason as a sentence; the maintainer's
// "automatically disabled: " prefix goes, since the page says so already.
func disabledReasonText(reason *string) string {
	if reason == nil || *reason == "" {
		return ""
	}
	return sentence(strings.TrimPrefix(*reason, "automatically disabled: "))
}

// rowView is a delivery as a list row; poll is the URL the row refreshes from.
func (s *Server) rowView(d store.Delivery, detail, poll string) views.DeliveryRow {
	return views.DeliveryRow{
		ID: d.ID, Event: d.EventType, Status: d.Status, CreatedAt: d.CreatedAt, Attempts: d.AttemptCount,
		AutoAttempts: d.AutoAttempts, MaxAttempts: s.cfg.MaxAttempts(), LastCode: d.LastStatusCode, NextAttemptAt: d.NextAttemptAt,
		InFlight: d.InFlight, Requested: d.ManualRequestedAt != nil,
		DetailURL: detail, PollURL: poll,
	}
}

// retryBlocked says why a manual retry cannot be asked for now ("": it can).
func retryBlocked(d store.Delivery, enabled, deleted bool) string {
	switch {
	case deleted:
		return "The endpoint was deleted, so this delivery cannot be retried."
	case !enabled:
		return "The endpoint is disabled: enable it to retry its deliveries."
	case d.InFlight:
		return "An attempt is in flight. You can retry once it is recorded."
	case d.ManualRequestedAt != nil:
		return "A retry is requested and will be made in a moment."
	}
	return ""
}

// liveView is the changing part of a delivery's detail.
func (s *Server) liveView(d store.DeliveryDetail, ep db.Endpoint, base string) views.DeliveryLiveView {
	v := views.DeliveryLiveView{
		ID: d.ID, Status: d.Status, AttemptCount: d.AttemptCount, AutoAttempts: d.AutoAttempts, MaxAttempts: s.cfg.MaxAttempts(),
		NextAttemptAt: d.NextAttemptAt, CompletedAt: d.CompletedAt, LastCode: d.LastStatusCode,
		InFlight: d.InFlight, Requested: d.ManualRequestedAt != nil,
		RetryURL: base + "/retry", PollURL: base + "?part=live", RetryDisabled: retryBlocked(d.Delivery, ep.Enabled, ep.DeletedAt != nil),
	}
	if d.FailureReason != nil {
		v.FailureReason = *d.FailureReason
	}
	// Newest first: the attempt that matters most is on top.
	for _, a := range slices.Backward(d.Attempts) {
		av := views.AttemptView{
			Number: a.Number, Trigger: a.Trigger, StartedAt: a.StartedAt, DurationMs: a.DurationMs,
			StatusCode: a.StatusCode, Outcome: a.Outcome, Truncated: a.ResponseTruncated,
			ResponseBody: strings.ToValidUTF8(string(a.ResponseBody), "\uFFFD"),
			// An answer is stored even when empty, so NULL after one means pruned.
			ResponsePruned: a.ResponseBody == nil && a.StatusCode != nil,
		}
		if a.Error != nil {
			av.Error = *a.Error
		}
		v.Attempts = append(v.Attempts, av)
	}
	return v
}

// detailView is a delivery's detail: the exact request and the live part.
// The signature depends on the secret at send time, so the one shown is
// computed now with the endpoint's current secret, and labelled so. A
// valid signature lets its holder pass that body off as ours, so only the
// endpoint's owner (viewerID) sees it, not an admin looking at another
// user's delivery.
func (s *Server) detailView(d store.DeliveryDetail, ep db.Endpoint, base, back, viewerID string) views.DeliveryDetailView {
	v := views.DeliveryDetailView{
		ID: d.ID, EventID: d.EventID, Event: d.EventType, EndpointURL: ep.Url, CreatedAt: d.CreatedAt,
		BackURL: back, BodyPruned: d.Body == nil, Live: s.liveView(d, ep, base),
	}
	sig := "sha256=… (not available)"
	note := "Computed with the endpoint's current signing secret. Attempts made before a rotation carried a signature made with the secret of their time."
	switch {
	case ep.UserID != viewerID:
		note = "Not shown: only the endpoint's owner sees the signature."
	case d.Body != nil && ep.DeletedAt == nil:
		if secret, err := s.store.EndpointSecret(ep); err == nil {
			sig = webhook.Sign(secret, d.Body)
		}
	default:
		note = "Not shown: the endpoint was deleted or the payload expired."
	}
	v.Headers = []views.Header{
		{Name: "Content-Type", Value: webhook.ContentType},
		{Name: "User-Agent", Value: webhook.UserAgent},
		{Name: webhook.HeaderEvent, Value: d.EventType},
		{Name: webhook.HeaderDelivery, Value: d.ID},
		{Name: webhook.HeaderSignature, Value: sig, Note: note},
	}
	if d.Body != nil {
		v.Body = prettyJSON(d.Body)
	}
	return v
}

// prettyJSON indents a body for reading; the exact bytes were sent compact.
func prettyJSON(b []byte) string {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return out.String()
}

// withQuery adds the non-empty values to a path's query.
func withQuery(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
