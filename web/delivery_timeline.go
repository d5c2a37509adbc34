package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// timelineView is the delivery's attempts, oldest first, each with its
// exact time, the wait since the previous one ended, its result and where
// its time went; runs of identical failures are collapsed. shown is the
// attempt whose answer the Response tab shows.
func timelineView(d store.DeliveryDetail, base string, shown int32) views.TimelineView {
	if shown == 0 && len(d.Attempts) > 0 {
		shown = d.Attempts[len(d.Attempts)-1].Number
	}
	as := make([]views.AttemptView, 0, len(d.Attempts))
	for i, a := range d.Attempts {
		av := views.AttemptView{
			Number: a.Number, Trigger: a.Trigger, StartedAt: a.StartedAt, DurationMs: a.DurationMs,
			StatusCode: a.StatusCode, Outcome: a.Outcome, Error: attemptError(a), Shown: a.Number == shown,
			When: a.StartedAt.UTC().Format("Jan 2 15:04:05 UTC"),
		}
		if i > 0 {
			prev := d.Attempts[i-1]
			ended := prev.StartedAt.Add(time.Duration(prev.DurationMs) * time.Millisecond)
			av.Gap = "+" + views.Span(a.StartedAt.Sub(ended).Round(time.Second))
			if sameDay(prev.StartedAt, a.StartedAt) {
				av.When = a.StartedAt.UTC().Format("15:04:05 UTC")
			}
		}
		if a.StatusCode != nil {
			av.ResponseURL = base + "?attempt=" + strconv.Itoa(int(a.Number))
		}
		av.Phases = phases(a)
		as = append(as, av)
	}
	return views.TimelineView{Entries: collapseAttempts(as), Drawer: inDrawer(base)}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

// collapseAttempts groups consecutive failures with the same outcome and
// status code into one entry; a success, and a failure unlike its
// neighbours, stand alone.
func collapseAttempts(as []views.AttemptView) []views.TimelineEntry {
	var out []views.TimelineEntry
	for i := 0; i < len(as); {
		j := i + 1
		for j < len(as) && as[i].Outcome != "success" && sameResult(as[i], as[j]) {
			j++
		}
		out = append(out, views.TimelineEntry{Attempts: as[i:j]})
		i = j
	}
	return out
}

func sameResult(a, b views.AttemptView) bool {
	if a.Outcome != b.Outcome || (a.StatusCode == nil) != (b.StatusCode == nil) {
		return false
	}
	return a.StatusCode == nil || *a.StatusCode == *b.StatusCode
}

// phaseWidth is the bar's width in the units of its SVG viewBox.
const phaseWidth = 1000

// phases splits an attempt's duration into its phases (DNS, connect, TLS,
// the wait for the first byte, and the rest: writing the request, reading
// the answer) for the bar and its words. Phases that did not
// happen (a reused connection, plain HTTP) are left out; an attempt with
// none recorded (made before timings were kept, or refused at once), or
// all under a millisecond, has neither.
func phases(a store.Attempt) []views.Phase {
	seen := []struct {
		name, class string
		ms          *int32
	}{
		{"DNS", "ph-dns", a.DnsMs}, {"connect", "ph-connect", a.ConnectMs},
		{"TLS", "ph-tls", a.TlsMs}, {"first byte", "ph-wait", a.FirstByteMs},
	}
	var out []views.Phase
	var sum int32
	for _, p := range seen {
		if p.ms != nil && *p.ms >= 0 {
			out = append(out, views.Phase{Name: p.name, Class: p.class, Ms: *p.ms})
			sum += *p.ms
		}
	}
	if len(out) == 0 || max(sum, a.DurationMs) == 0 {
		return nil // nothing recorded, or nothing that took a millisecond to draw
	}
	if rest := a.DurationMs - sum; rest > 0 {
		out = append(out, views.Phase{Name: "rest", Class: "ph-rest", Ms: rest})
		sum += rest
	}
	total := 0
	for i, p := range out {
		out[i].Text = p.Name + " " + millis(p.Ms)
		out[i].W = int(int64(p.Ms) * phaseWidth / int64(max(sum, 1)))
		if p.Ms > 0 && out[i].W < 4 {
			out[i].W = 4 // a sliver for a phase that took any time, so it shows
		}
		total += out[i].W
	}
	if over := total - phaseWidth; over > 0 { // the slivers pushed it over: take it from the widest
		widest := 0
		for i := range out {
			if out[i].W > out[widest].W {
				widest = i
			}
		}
		out[widest].W -= over
	}
	for i := 1; i < len(out); i++ {
		out[i].X = out[i-1].X + out[i-1].W
	}
	return out
}

// attemptError is what an attempt's error adds to its outcome and code:
// nothing when it only says "HTTP 503 Service Unavailable" again.
func attemptError(a store.Attempt) string {
	e := deref(a.Error)
	if a.StatusCode != nil && e == fmt.Sprintf("HTTP %d %s", *a.StatusCode, http.StatusText(int(*a.StatusCode))) {
		return ""
	}
	return e
}
