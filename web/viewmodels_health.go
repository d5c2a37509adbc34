package web

import (
	"context"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// healthView is the endpoint page's health card: the last 24 hours by
// hour and the last 30 days by day, UTC, from the endpoint's rollup.
func (s *Server) healthView(ctx context.Context, endpointID string) (views.HealthView, error) {
	h, err := s.store.EndpointHealth(ctx, endpointID, s.store.Now())
	if err != nil {
		return views.HealthView{}, err
	}
	hours := views.HealthWindow{Key: "hours", Title: "Last 24 hours", Unit: "hour", Slot: "Hour (UTC)", LabelEvery: 6}
	for _, sl := range h.Hours {
		hours.Slots = append(hours.Slots, healthSlot(sl, sl.Start.Format("15:00"), views.HourRange(sl.Start)))
	}
	hours.Total = healthSlot(h.HoursTotal, "", "The last 24 hours")
	days := views.HealthWindow{Key: "days", Title: "Last 30 days", Unit: "day", Slot: "Day (UTC)", LabelEvery: 7}
	for _, sl := range h.Days {
		days.Slots = append(days.Slots, healthSlot(sl, sl.Start.Format("Jan 2"), sl.Start.Format("Mon Jan 2, 2006")+" (UTC)"))
	}
	days.Total = healthSlot(h.DaysTotal, "", "The last 30 days")
	for _, w := range []*views.HealthWindow{&hours, &days} {
		for _, f := range w.Total.Failures {
			w.Kinds = append(w.Kinds, f.Label)
		}
	}
	return views.HealthView{Windows: []views.HealthWindow{hours, days}}, nil
}

func healthSlot(sl store.HealthSlot, label, long string) views.HealthSlot {
	v := views.HealthSlot{
		Key: sl.Start.UTC().Format(time.RFC3339), Label: label, Long: long,
		Attempts: sl.Attempts, Succeeded: sl.Succeeded, Answered: sl.Answered, P50: sl.P50, P95: sl.P95,
	}
	for _, f := range sl.Failures {
		v.Failures = append(v.Failures, views.KindCount{Label: healthKindWords(f.Kind), N: f.N})
	}
	return v
}

// sparkline is an endpoint's last 24 hours on the endpoints list.
func sparkline(hours []store.HealthHour) views.Sparkline {
	var sp views.Sparkline
	for _, h := range hours {
		sp.Hours = append(sp.Hours, views.SparkHour{Start: h.Start, Attempts: h.Attempts, Succeeded: h.Succeeded})
	}
	return sp
}
