package web

import (
	"net/http"

	"github.com/clipcabinet/webhooks/views"
)

func (s *Server) dashEndpointList(w http.ResponseWriter, r *http.Request) error {
	u, _ := currentUser(r.Context())
	eps, err := s.store.EndpointListWithStats(r.Context(), u.ID)
	if err != nil {
		return err
	}
	ids := make([]string, len(eps))
	for i, e := range eps {
		ids[i] = e.ID
	}
	hourly, err := s.store.EndpointsHourly(r.Context(), ids, s.store.Now())
	if err != nil {
		return err
	}
	rows := make([]views.EndpointRow, len(eps))
	for i, e := range eps {
		row := views.EndpointRow{
			ID: e.ID, URL: e.Url, Description: e.Description, Events: e.Events, Enabled: e.Enabled,
			Rate:  views.Rate{Succeeded: int(e.RecentSucceeded), Total: int(e.RecentSucceeded + e.RecentUnsuccessful)},
			Spark: sparkline(hourly[e.ID]),
		}
		if !e.Enabled {
			row.AutoDisabled, row.DisabledAt = autoDisabled(e.DisabledBy), e.DisabledAt
			row.DisabledReason = disabledReasonText(e.DisabledReason)
		}
		if e.LastID != "" {
			row.Last = &views.LastDelivery{
				ID: e.LastID, URL: deliveryPath(e.ID, e.LastID), Status: e.LastStatus, Event: e.LastEvent,
				Code: e.LastCode, Outcome: e.LastOutcome, At: e.LastCreatedAt,
			}
		}
		rows[i] = row
	}
	return s.render(w, r, http.StatusOK, views.EndpointsPage(s.chrome(r, "Endpoints", "endpoints"), rows))
}
