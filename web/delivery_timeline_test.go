package web

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

func code32(c int32) *int32 { return &c }

// TestCollapseAttempts: consecutive failures with the same outcome and
// status code are one entry; a different code or outcome, a success, and a
// failure alone are entries of their own.
func TestCollapseAttempts(t *testing.T) {
	t.Parallel()
	a := func(n int32, outcome string, c *int32) views.AttemptView {
		return views.AttemptView{Number: n, Outcome: outcome, StatusCode: c}
	}
	for _, tt := range []struct {
		name string
		in   []views.AttemptView
		want string // each entry's attempt numbers, entries separated by |
	}{
		{"nothing", nil, ""},
		{"a single failure is not collapsed", []views.AttemptView{a(1, "http_error", code32(503))}, "1"},
		{"a run of the same code collapses", []views.AttemptView{
			a(1, "http_error", code32(500)), a(2, "http_error", code32(503)), a(3, "http_error", code32(503)),
			a(4, "http_error", code32(503)), a(5, "success", code32(200)),
		}, "1|2,3,4|5"},
		{"another code breaks the run", []views.AttemptView{
			a(1, "http_error", code32(503)), a(2, "http_error", code32(502)), a(3, "http_error", code32(503)),
		}, "1|2|3"},
		{"same outcome without a code collapses, a code breaks it", []views.AttemptView{
			a(1, "connection_error", nil), a(2, "connection_error", nil), a(3, "timeout", nil),
			a(4, "timeout", code32(200)), a(5, "timeout", code32(200)),
		}, "1,2|3|4,5"},
		{"successes never collapse", []views.AttemptView{
			a(1, "success", code32(200)), a(2, "success", code32(200)),
		}, "1|2"},
		{"a run after the last success", []views.AttemptView{
			a(1, "success", code32(200)), a(2, "interrupted", nil), a(3, "interrupted", nil),
		}, "1|2,3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var entries []string
			for _, e := range collapseAttempts(tt.in) {
				var ns []string
				for _, x := range e.Attempts {
					ns = append(ns, strconv.Itoa(int(x.Number)))
				}
				entries = append(entries, strings.Join(ns, ","))
			}
			if got := strings.Join(entries, "|"); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPhases: the bar's segments fill its width in order, each phase that
// took any time shows, and an attempt without timings has no bar.
func TestPhases(t *testing.T) {
	t.Parallel()
	ms := func(v int32) *int32 { return &v }
	if got := phases(store.Attempt{DurationMs: 120}); got != nil {
		t.Errorf("no timings: %v", got)
	}
	got := phases(store.Attempt{DurationMs: 1000, DnsMs: ms(0), ConnectMs: ms(1), FirstByteMs: ms(900)})
	var names []string
	x := 0
	for _, p := range got {
		names = append(names, p.Text)
		if p.X != x || (p.Ms > 0 && p.W < 4) {
			t.Errorf("segment %+v after %d", p, x)
		}
		x += p.W
	}
	if strings.Join(names, ", ") != "DNS under 1 ms, connect 1 ms, first byte 900 ms, rest 99 ms" {
		t.Errorf("phases %v", names)
	}
	if x > phaseWidth || x < phaseWidth-len(got) {
		t.Errorf("segments span %d of %d", x, phaseWidth)
	}
	// Phases longer than the attempt (clocks of two goroutines): no rest,
	// still within the bar.
	over := phases(store.Attempt{DurationMs: 10, ConnectMs: ms(8), FirstByteMs: ms(9)})
	if len(over) != 2 || over[1].X+over[1].W > phaseWidth {
		t.Errorf("over-long phases %+v", over)
	}
}

// TestTimelineGapsAndTimes: the wait is measured from the previous
// attempt's end; the date shows on the first attempt and on a new day.
func TestTimelineGapsAndTimes(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)
	d := store.DeliveryDetail{Attempts: []store.Attempt{
		{Number: 1, StartedAt: t0, DurationMs: 2000, Outcome: "http_error", StatusCode: code32(503)},
		{Number: 2, StartedAt: t0.Add(32 * time.Second), DurationMs: 100, Outcome: "http_error", StatusCode: code32(503)},
		{Number: 3, StartedAt: t0.Add(32*time.Second + 100*time.Millisecond + 90*time.Second), Outcome: "connection_error"},
	}}
	v := timelineView(d, "/endpoints/ep/deliveries/del", 0)
	if len(v.Entries) != 2 || len(v.Entries[0].Attempts) != 2 || !v.Drawer {
		t.Fatalf("entries %+v", v.Entries)
	}
	a1, a2, a3 := v.Entries[0].Attempts[0], v.Entries[0].Attempts[1], v.Entries[1].Attempts[0]
	if a1.Gap != "" || a2.Gap != "+30 s" || a3.Gap != "+1 min" {
		t.Errorf("gaps %q %q %q", a1.Gap, a2.Gap, a3.Gap)
	}
	if a1.When != "Nov 30 23:59:00 UTC" || a2.When != "23:59:32 UTC" || a3.When != "Dec 1 00:01:02 UTC" {
		t.Errorf("times %q %q %q", a1.When, a2.When, a3.When)
	}
	if !a3.Shown || a1.Shown || a3.ResponseURL != "" || a1.ResponseURL != "/endpoints/ep/deliveries/del?attempt=1" {
		t.Errorf("shown/links: %+v %+v", a1, a3)
	}
}
