package web

import (
	"net/url"

	"github.com/clipcabinet/webhooks/views"
)

func endpointPath(id string) string { return "/endpoints/" + id }

func deliveriesPath(epID string) string { return "/endpoints/" + epID + "/deliveries" }

func deliveryPath(epID, id string) string { return deliveriesPath(epID) + "/" + id }

func recoveryPath(epID, id string) string { return endpointPath(epID) + "/recoveries/" + id }

func adminDeliveryPath(id string) string { return "/admin/deliveries/" + id }

func adminRecoveryPath(id string) string { return "/admin/recoveries/" + id }

// adminQuery is the filter as a query string, for links that keep it.
func adminQuery(path string, f views.AdminFilter, extra ...string) string {
	status := f.Status
	if status == "" {
		status = "any"
	}
	kv := append([]string{"q", f.Query, "user", f.User, "host", f.Host, "endpoint", f.Endpoint, "exactHost", f.ExactHost,
		"event", f.Event, "since", f.Since, "status", status}, findPairs(f.Find)...)
	kv = append(kv, extra...)
	return withQuery(path, kv...)
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
