package store

import (
	"context"
	"time"

	"github.com/clipcabinet/webhooks/db"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// Endpoint health over time, from the endpoint_health rollup
// (migrations/00012_endpoint_health.sql) that the completion statement
// keeps: per UTC hour for the last 24 hours and per UTC day for the last
// 30 days.

// Health windows: the hourly series holds HealthHours slots, the daily one
// HealthDays; HealthKeep is how long the rollup keeps an hour.
const (
	HealthHours = 24
	HealthDays  = 30
	HealthKeep  = (HealthDays + 1) * 24 * time.Hour
)

// HealthSlot is one hour or day of an endpoint's attempts.
type HealthSlot struct {
	Start     time.Time // in UTC
	Attempts  int       // 0: no attempt at all in the slot (not a 0 % rate)
	Succeeded int
	// Failures counts the other attempts by kind (webhook.HealthKinds),
	// in that order, kinds with none left out.
	Failures []KindCount
	// Answered is how many attempts got an HTTP answer (success, 3xx, 4xx,
	// 5xx): the latency percentiles are theirs. 0: no latency to show.
	Answered int
	// P50 and P95 are in ms, estimated from the duration histogram (see
	// percentile); meaningless when Answered is 0.
	P50, P95 float64
}

// KindCount is a number of attempts of one kind.
type KindCount struct {
	Kind string
	N    int
}

// Health is an endpoint's hourly and daily series, oldest slot first,
// and the totals of each window.
type Health struct {
	Hours, Days           []HealthSlot
	HoursTotal, DaysTotal HealthSlot
}

// answered are the kinds whose duration is how long the receiver took to
// answer; a timeout or a refused connection says nothing about that.
var answered = map[string]bool{"success": true, webhook.HealthHTTP4xx: true, webhook.HealthHTTP5xx: true,
	"http_error": true, "redirect": true}

// EndpointHealth reads an endpoint's health series as of now: the
// HealthHours hours up to and including now's, and the HealthDays UTC days
// up to and including today. One statement: the last 24 hours' rows as
// they are, the 30 days' summed per day in SQL.
func (s *Store) EndpointHealth(ctx context.Context, endpointID string, now time.Time) (Health, error) {
	bounds, err := s.healthBounds(ctx)
	if err != nil {
		return Health{}, wrap("endpoint health", err)
	}
	now = now.UTC()
	hourStart := now.Truncate(time.Hour).Add(-(HealthHours - 1) * time.Hour)
	dayStart := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(HealthDays - 1))
	rows, err := s.q.EndpointHealthSeries(ctx, db.EndpointHealthSeriesParams{EndpointID: endpointID, HoursSince: hourStart, DaysSince: dayStart})
	if err != nil {
		return Health{}, wrap("endpoint health", err)
	}
	h := series(hourStart, dayStart)
	hours, days := make([]map[string]int, HealthHours), make([]map[string]int, HealthDays)
	hourLat, dayLat := make([][]int64, HealthHours), make([][]int64, HealthDays)
	for _, r := range rows {
		if r.Daily {
			if i := int(r.Start.Sub(dayStart) / (24 * time.Hour)); r.Start.Compare(dayStart) >= 0 && i < HealthDays {
				add(&days[i], &dayLat[i], r)
			}
		} else if i := int(r.Start.Sub(hourStart) / time.Hour); r.Start.Compare(hourStart) >= 0 && i < HealthHours {
			add(&hours[i], &hourLat[i], r)
		}
	}
	var hoursAll, daysAll map[string]int
	var hoursAllLat, daysAllLat []int64
	for i := range h.Hours {
		fill(&h.Hours[i], hours[i], hourLat[i], bounds)
		merge(&hoursAll, &hoursAllLat, hours[i], hourLat[i])
	}
	for i := range h.Days {
		fill(&h.Days[i], days[i], dayLat[i], bounds)
		merge(&daysAll, &daysAllLat, days[i], dayLat[i])
	}
	h.HoursTotal.Start, h.DaysTotal.Start = hourStart, dayStart
	fill(&h.HoursTotal, hoursAll, hoursAllLat, bounds)
	fill(&h.DaysTotal, daysAll, daysAllLat, bounds)
	return h, nil
}

// series is the empty slots of both windows.
func series(hourStart, dayStart time.Time) Health {
	h := Health{Hours: make([]HealthSlot, HealthHours), Days: make([]HealthSlot, HealthDays)}
	for i := range h.Hours {
		h.Hours[i].Start = hourStart.Add(time.Duration(i) * time.Hour)
	}
	for i := range h.Days {
		h.Days[i].Start = dayStart.AddDate(0, 0, i)
	}
	return h
}

// add counts one rollup row into a slot's counts by kind and, for the
// answered kinds, its latency histogram (bucket i of bounds at index i).
func add(counts *map[string]int, lat *[]int64, r db.EndpointHealthSeriesRow) {
	if *counts == nil {
		*counts = map[string]int{}
	}
	(*counts)[r.Kind] += int(r.N)
	if answered[r.Kind] && r.Bucket >= 0 {
		for len(*lat) <= int(r.Bucket) {
			*lat = append(*lat, 0)
		}
		(*lat)[r.Bucket] += int64(r.N)
	}
}

func merge(counts *map[string]int, lat *[]int64, from map[string]int, fromLat []int64) {
	if *counts == nil {
		*counts = map[string]int{}
	}
	for k, n := range from {
		(*counts)[k] += n
	}
	for len(*lat) < len(fromLat) {
		*lat = append(*lat, 0)
	}
	for i, n := range fromLat {
		(*lat)[i] += n
	}
}

// fill sets a slot's figures from its counts by kind and latency histogram.
func fill(slot *HealthSlot, counts map[string]int, lat []int64, bounds []int32) {
	known := map[string]bool{}
	for _, k := range webhook.HealthKinds {
		known[k] = true
		slot.Attempts += counts[k]
		if k == "success" {
			slot.Succeeded = counts[k]
		} else if counts[k] > 0 {
			slot.Failures = append(slot.Failures, KindCount{Kind: k, N: counts[k]})
		}
	}
	// A kind this release does not know (written by a newer one) still
	// counts, as a failure under its own name.
	for k, n := range counts {
		if !known[k] && n > 0 {
			slot.Attempts += n
			slot.Failures = append(slot.Failures, KindCount{Kind: k, N: n})
		}
	}
	for _, n := range lat {
		slot.Answered += int(n)
	}
	slot.P50, slot.P95 = percentile(lat, bounds, 0.50), percentile(lat, bounds, 0.95)
}

// percentile estimates the p-quantile of the durations counted in hist,
// whose bucket i holds the durations in [bounds[i-1], bounds[i]) ms
// (bucket 0 from 0, the last one from its bound up). Within the bucket
// that holds it, the value is interpolated linearly, as if the durations
// in that bucket were spread evenly: so the estimate is off by at most the
// bucket's width (a bucket is at most 43 % wider than the one below; under
// 10 ms, 1 to 2 ms wide). The open last bucket (100 s or more) answers its
// lower bound. 0 for an empty histogram.
func percentile(hist []int64, bounds []int32, p float64) float64 {
	var total int64
	for _, n := range hist {
		total += n
	}
	if total == 0 {
		return 0
	}
	rank := p * float64(total)
	var below int64
	for i, n := range hist {
		if n == 0 || float64(below+n) < rank {
			below += n
			continue
		}
		lo := 0.0
		if i > 0 {
			lo = float64(bounds[i-1])
		}
		if i >= len(bounds) {
			return lo
		}
		return lo + (float64(bounds[i])-lo)*(rank-float64(below))/float64(n)
	}
	return float64(bounds[len(bounds)-1])
}

// healthBounds are the histogram's bucket bounds in ms, as the migration
// defines them; read once.
func (s *Store) healthBounds(ctx context.Context) ([]int32, error) {
	if b := s.bounds.Load(); b != nil {
		return *b, nil
	}
	b, err := s.q.EndpointHealthBounds(ctx)
	if err != nil {
		return nil, err
	}
	s.bounds.Store(&b)
	return b, nil
}

// HealthHour is one endpoint's attempts in one UTC hour.
type HealthHour struct {
	Start               time.Time
	Attempts, Succeeded int
}

// EndpointsHourly returns, for each of the endpoints, its HealthHours
// hours up to and including now's, oldest first, hours without attempts
// included (Attempts 0). One statement for all the endpoints.
func (s *Store) EndpointsHourly(ctx context.Context, endpointIDs []string, now time.Time) (map[string][]HealthHour, error) {
	start := now.UTC().Truncate(time.Hour).Add(-(HealthHours - 1) * time.Hour)
	rows, err := s.q.EndpointHealthHourly(ctx, db.EndpointHealthHourlyParams{EndpointIds: endpointIDs, Since: start})
	if err != nil {
		return nil, wrap("endpoints hourly", err)
	}
	out := make(map[string][]HealthHour, len(endpointIDs))
	for _, id := range endpointIDs {
		hours := make([]HealthHour, HealthHours)
		for i := range hours {
			hours[i].Start = start.Add(time.Duration(i) * time.Hour)
		}
		out[id] = hours
	}
	for _, r := range rows {
		i := int(r.Hour.Sub(start) / time.Hour)
		if hours, ok := out[r.EndpointID]; ok && i >= 0 && i < HealthHours {
			hours[i].Attempts, hours[i].Succeeded = int(r.Attempts), int(r.Succeeded)
		}
	}
	return out, nil
}

// PruneHealth forgets up to batch rollup rows of hours before cutoff.
func (s *Store) PruneHealth(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	n, err := s.q.EndpointHealthPrune(ctx, db.EndpointHealthPruneParams{Cutoff: cutoff, BatchSize: int32(batch)})
	return n, wrap("prune health", err)
}

// RebuildHealth adds the attempts started at or after since to the rollup,
// reading attempts; for stores whose attempts were written directly
// (loadgen's seeding). It adds: run it once over hours nothing else wrote.
func (s *Store) RebuildHealth(ctx context.Context, since time.Time) (int64, error) {
	n, err := s.q.EndpointHealthRebuild(ctx, since)
	return n, wrap("rebuild health", err)
}
