package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// auditPageSize is how many entries an audit page shows.
const auditPageSize = 50

// auditActions are the actions the audit log records, in the order the
// admin's filter offers them.
var auditActions = []views.AuditAction{
	{Value: "secret.revealed", Label: "Secret revealed"},
	{Value: "secret.rotated", Label: "Secret rotated"},
	{Value: "endpoint.created", Label: "Endpoint added"},
	{Value: "endpoint.updated", Label: "Endpoint changed"},
	{Value: "endpoint.deleted", Label: "Endpoint deleted"},
	{Value: "delivery.retried", Label: "Delivery retried"},
	{Value: "recovery.started", Label: "Failed deliveries retried in bulk"},
}

// auditPage fills v with one page of the filter's entries (the cursor comes
// from the request) and returns the next page's cursor. A stale cursor is a
// message on the page, not an error page. The user's page and the admin's
// share it; v.Admin says which rows to show in full.
func (s *Server) auditPage(r *http.Request, v *views.AuditView, f store.AuditFilter, u store.User) (string, error) {
	f.Cursor, f.Limit = r.URL.Query().Get("cursor"), auditPageSize
	page, err := s.store.AuditEntries(r.Context(), f)
	switch {
	case errors.Is(err, store.ErrBadCursor):
		v.Error = "That page link is out of date: start from the newest entries."
	case err != nil:
		return "", err
	}
	for _, e := range page.Entries {
		v.Entries = append(v.Entries, auditRow(e, u, v.Admin))
	}
	return page.NextCursor, nil
}

// auditRow is an entry as a line of the log. On a user's own page, an
// admin acting on their resources is "ClipCabinet admin" and the API and
// the service are named as such; only the user's own actions show the
// address they came from (staff addresses and emails are not the
// customer's to see). The admin's page shows everything.
func auditRow(e store.AuditEntry, viewer store.User, admin bool) views.AuditRow {
	row := views.AuditRow{ID: e.ID, Action: e.Action, At: e.CreatedAt, Owner: e.OwnerEmail, ActorKind: "user"}
	switch {
	case e.Actor == store.ActorSystem:
		row.Actor, row.ActorKind = "ClipCabinet (automatic)", "system"
	case e.Actor == store.ActorAPI:
		row.Actor, row.ActorKind = "Service API", "api"
	case e.Actor == viewer.ID || admin:
		row.Actor = e.ActorEmail
		if row.Actor == "" {
			row.Actor = e.Actor // a user since removed
		}
	default:
		row.Actor, row.ActorKind = "ClipCabinet admin", "admin"
	}
	if e.RemoteAddr != nil && (admin || e.Actor == viewer.ID) {
		row.Address = *e.RemoteAddr
	}
	if row.Owner == "" && e.UserID != nil {
		row.Owner = *e.UserID
	}
	var d map[string]any
	_ = json.Unmarshal(e.Details, &d)
	row.Text, row.Detail = auditText(e.Action, d)
	row.TargetText, row.TargetURL = auditTarget(e, d, admin)
	return row
}

// auditText says an action in words, with what changed.
func auditText(action string, d map[string]any) (text, detail string) {
	switch action {
	case "secret.revealed":
		return "Revealed the signing secret", ""
	case "secret.rotated":
		return "Rotated the signing secret", ""
	case "endpoint.created":
		return "Added the endpoint", joinList("events: ", d["events"])
	case "endpoint.deleted":
		return "Deleted the endpoint", ""
	case "endpoint.updated":
		var changes []string
		if u, ok := d["url"].(string); ok {
			changes = append(changes, "URL set to "+u)
		}
		if ev := joinList("events: ", d["events"]); ev != "" {
			changes = append(changes, ev)
		}
		if _, ok := d["description"]; ok {
			changes = append(changes, "description changed")
		}
		detail = strings.Join(changes, "; ")
		switch d["enabled"] {
		case true:
			return "Enabled the endpoint", detail
		case false:
			if reason, ok := d["reason"].(string); ok {
				detail = strings.Join(append([]string{sentence(reason)}, changes...), " ")
			}
			return "Disabled the endpoint", detail
		}
		return "Changed the endpoint", detail
	case "notice.reminded":
		kind, _ := d["kind"].(string)
		return "Sent the endpoint's notice again (an admin's reminder)", kind
	case "delivery.retried":
		if d["bulk"] == true {
			return "Retried a delivery (bulk)", ""
		}
		return "Retried a delivery", ""
	case "recovery.started":
		n, _ := d["count"].(float64)
		text = fmt.Sprintf("Retried %s in bulk", countText(int(n)))
		detail = "created " + timeText(d["from"], "from the first") + " – " + timeText(d["to"], "now")
		if d["admin"] == true {
			detail += " (an admin's retry across users)"
		}
		return text, detail
	}
	return action, ""
}

// auditTarget is what an entry is about, linked when the viewer can open it.
func auditTarget(e store.AuditEntry, d map[string]any, admin bool) (string, string) {
	target := ""
	if e.TargetID != nil {
		target = *e.TargetID
	}
	switch {
	case strings.HasPrefix(e.Action, "endpoint.") || strings.HasPrefix(e.Action, "secret.") || e.Action == "notice.reminded":
		text := e.EndpointUrl
		if text == "" {
			text = target
		}
		if admin {
			u, _ := url.Parse(e.EndpointUrl)
			host := ""
			if u != nil {
				host = u.Hostname()
			}
			owner := ""
			if e.UserID != nil {
				owner = *e.UserID
			}
			return text, withQuery("/admin/deliveries", "status", "any", "user", owner, "host", host)
		}
		// A deleted endpoint's page is its read-only history.
		switch {
		case e.EndpointID == "":
			return text, ""
		case e.EndpointDeleted:
			return text + " (deleted)", endpointPath(e.EndpointID)
		}
		return text, endpointPath(e.EndpointID)
	case e.Action == "delivery.retried":
		if admin {
			return target, adminDeliveryPath(target)
		}
		if e.EndpointID == "" {
			return target, ""
		}
		return target, deliveryPath(e.EndpointID, target)
	case e.Action == "recovery.started":
		if admin {
			return recoveryTargetText(e, d), adminRecoveryPath(target)
		}
		if e.EndpointID == "" || e.EndpointDeleted {
			return recoveryTargetText(e, d), ""
		}
		return recoveryTargetText(e, d), recoveryPath(e.EndpointID, target)
	}
	return target, ""
}

func recoveryTargetText(e store.AuditEntry, _ map[string]any) string {
	if e.EndpointUrl != "" {
		return "Failed deliveries of " + e.EndpointUrl
	}
	return "Failed deliveries across users"
}

func countText(n int) string {
	if n == 1 {
		return "1 failed delivery"
	}
	return fmt.Sprintf("%d failed deliveries", n)
}

// timeText is a time from an entry's details, to the minute, UTC.
func timeText(v any, none string) string {
	s, ok := v.(string)
	if !ok {
		return none
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func joinList(prefix string, v any) string {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return ""
	}
	parts := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			parts = append(parts, s)
		}
	}
	return prefix + strings.Join(parts, ", ")
}
