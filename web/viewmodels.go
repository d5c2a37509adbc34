package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

func (s *Server) endpointView(ep store.Endpoint) views.EndpointView {
	v := views.EndpointView{
		ID: ep.ID, URL: ep.Url, Description: ep.Description, Events: ep.Events, Enabled: ep.Enabled,
		CreatedAt: ep.CreatedAt, DeletedAt: ep.DeletedAt,
		Secret: s.secretView(ep),
		Test:   views.TestEventView{EndpointID: ep.ID, Enabled: ep.Enabled, EventTypes: webhook.EventTypes},
	}
	if !ep.Enabled {
		v.AutoDisabled, v.DisabledAt = autoDisabled(ep.DisabledBy), ep.DisabledAt
		v.DisabledReason = disabledReasonText(ep.DisabledReason)
	}
	if len(ep.Events) > 0 {
		v.Test.Event = ep.Events[0]
	}
	v.Test.Data, v.Test.MaxData = testExample(v.Test.Event, ep.UserID), maxTestData
	return v
}

// testExample is the example a test event of the type starts from, with
// the user's ids, as the form and the event catalogue show it; "" for an
// unknown type.
func testExample(event, userID string) string {
	data := webhook.TestEventData(event, userID)
	if data == nil {
		return ""
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		return string(data)
	}
	return out.String()
}

// secretView is the secret box, masked: whether a rotation is pending, and
// whether the active secret can serve Standard Webhooks (opened without an
// audit entry, as the delivery page's signature is; it is never shown).
func (s *Server) secretView(ep store.Endpoint) views.SecretView {
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
		ID: d.ID, Event: d.EventType, Test: d.Test, Status: d.Status, CreatedAt: d.CreatedAt, Attempts: d.AttemptCount,
		AutoAttempts: d.AutoAttempts, MaxAttempts: s.cfg.MaxAttempts(), LastCode: d.LastStatusCode, NextAttemptAt: d.NextAttemptAt,
		InFlight: d.InFlight, Requested: d.ManualRequestedAt != nil,
		DetailURL: detail, PollURL: poll, LastOutcome: deref(d.LastOutcome),
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

// liveView is the changing part of a delivery's detail. Its poll and
// retry URLs carry how many attempts the page shows, so their answer
// brings the response tab and the timeline along (liveRefresh) only when
// that changed.
func (s *Server) liveView(d store.DeliveryDetail, ep store.Endpoint, base string) views.DeliveryLiveView {
	v := views.DeliveryLiveView{
		ID: d.ID, Status: d.Status, AttemptCount: d.AttemptCount, AutoAttempts: d.AutoAttempts, MaxAttempts: s.cfg.MaxAttempts(),
		NextAttemptAt: d.NextAttemptAt, CompletedAt: d.CompletedAt, LastCode: d.LastStatusCode,
		InFlight: d.InFlight, Requested: d.ManualRequestedAt != nil,
		RetryURL: base + "/retry?seen=" + strconv.Itoa(len(d.Attempts)), PollURL: base + "?part=live&seen=" + strconv.Itoa(len(d.Attempts)),
		RetryDisabled: retryBlocked(d.Delivery, ep.Enabled, ep.DeletedAt != nil),
	}
	v.LastOutcome = deref(d.LastOutcome)
	v.Reason = deliveryReason(d, ep.Url)
	v.Next, v.NextAt, v.NextWait = deliveryNext(d, s.cfg.MaxAttempts(), s.store.Now())
	if ep.DeletedAt != nil && v.NextAt == nil && d.Status == "failed" {
		v.Next = "Nothing more: the endpoint was deleted."
	}
	if d.FailureReason != nil {
		v.FailureReason = *d.FailureReason
	}
	return v
}

// liveRefresh is a poll's or a retry's answer: the live part, and the
// response tab and the timeline too when the attempts changed since the
// page was drawn (?seen=N), which then replace theirs; otherwise they stay
// as they are, with a run expanded. (A retry's attempt can be recorded
// before its answer is read, which is then final and polls no more.)
func (s *Server) liveRefresh(r *http.Request, d store.DeliveryDetail, ep store.Endpoint, base string) views.DeliveryLiveView {
	v := s.liveView(d, ep, base)
	if r.URL.Query().Get("seen") != strconv.Itoa(len(d.Attempts)) {
		v.Refresh = &views.DeliveryRefresh{Response: responseView(d, base, 0), Timeline: timelineView(d, base, 0)}
	}
	return v
}

// detailView is a delivery's detail: the live part (the answer), the
// request and the response (of attempt number shown, or the last), and
// the timeline of attempts.
func (s *Server) detailView(d store.DeliveryDetail, ep store.Endpoint, base, back, viewerID string, shown int32) views.DeliveryDetailView {
	v := views.DeliveryDetailView{
		ID: d.ID, EventID: d.EventID, Event: d.EventType, Test: d.Test, EndpointURL: ep.Url, CreatedAt: d.CreatedAt,
		BackURL: back, BodyPruned: d.Body == nil, Live: s.liveView(d, ep, base),
		Body: bodyView(d.Body), Response: responseView(d, base, shown), ShowResponse: shown > 0,
	}
	v.Timeline = timelineView(d, base, v.Response.Number)
	v.Headers, v.HeadersNote = s.requestHeaders(d, ep, viewerID)
	v.Curl, v.CurlNote = s.deliveryCurl(d, ep, viewerID)
	return v
}

// deliveryCurl is the delivery's "Copy as curl" command and its note. Only
// the owner gets one: its signature lets the holder pass the body off as ours.
func (s *Server) deliveryCurl(d store.DeliveryDetail, ep store.Endpoint, viewerID string) (string, string) {
	switch {
	case ep.UserID != viewerID:
		return "", "Not shown: the command carries a signature only the endpoint's owner sees."
	case d.Body == nil || ep.DeletedAt != nil:
		return "", "Not available: the endpoint was deleted or the payload expired."
	}
	sec, err := s.store.EndpointSigningSecrets(ep)
	if err != nil {
		return "", "Not available: the signing secret could not be read."
	}
	now := s.store.Now()
	cmd, ok := curlCommand(ep.Url, attemptHeaders(sec, ep.StandardWebhooks, d.EventType, d.ID, d.Body, now), d.Body)
	if !ok {
		return "", "Not available: the payload holds bytes a shell command cannot carry."
	}
	note := "Sends exactly the stored body with the headers of an attempt made now, signed with the current secret (the command holds a signature, not the secret)."
	if ep.StandardWebhooks {
		note += " Its webhook-timestamp is the moment this page was shown: Standard Webhooks receivers refuse it after 5 minutes, so reload for a fresh one."
	}
	return cmd, note
}

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

// sentence capitalises a store message and ends it with a full stop.
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

func (s *Server) adminView(r *http.Request, vf views.AdminFilter, sf store.AdminFilter, problem string) (views.AdminView, error) {
	v := views.AdminView{Filter: vf, Statuses: webhook.DeliveryStatuses, EventTypes: webhook.EventTypes, Error: problem}
	if vf.Status == "failed" {
		v.PreviewURL = adminQuery("/admin/deliveries/retry", vf)
	}
	v.ExportCSV = adminQuery("/admin/deliveries/export", vf, "format", "csv")
	v.ExportNDJSON = adminQuery("/admin/deliveries/export", vf, "format", "ndjson")
	unscoped := vf
	unscoped.Endpoint, unscoped.ExactHost = "", ""
	v.UnscopedURL = adminQuery("/admin/deliveries", unscoped)
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

// drawerPageSize is how many deliveries the drawer shows per page.
const drawerPageSize = 25

// drawerList is the drawer on the list: one keyset page, newest first.
func (s *Server) drawerList(r *http.Request, ep store.Endpoint, q listQuery) (views.DrawerView, error) {
	base := deliveriesPath(ep.ID)
	lv := views.DeliveryListView{
		Action: base, Status: q.Status, Event: q.Event, Query: q.Q, Find: q.Find,
		Statuses: webhook.DeliveryStatuses, EventTypes: webhook.EventTypes,
		Filtered: q.Status != "" || q.Event != "" || q.Q != "" || q.Find.Open(),
	}
	d := views.DrawerView{EndpointID: ep.ID, EndpointURL: ep.Url, CloseURL: endpointPath(ep.ID), List: &lv, DeletedAt: ep.DeletedAt}
	f := q.filter(ep)
	f.Cursor, f.Limit = q.Cursor, drawerPageSize
	if lv.Error = q.problem(); lv.Error != "" {
		return d, nil
	}
	kv := append([]string{"status", q.Status, "event", q.Event, "q", q.Q}, findPairs(q.Find)...)
	lv.ExportCSV = withQuery(base+"/export", append(kv, "format", "csv")...)
	lv.ExportNDJSON = withQuery(base+"/export", append(kv, "format", "ndjson")...)
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
		lv.NextURL = withQuery(base, append(kv, "cursor", page.NextCursor)...)
	}
	return d, nil
}

// deref is *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
