package views

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AttentionView is the admin's "Needs attention" page: failing and
// disabled endpoints, grouped by endpoint or by receiving host, worst first.
type AttentionView struct {
	By     string // "endpoint" or "host"
	Error  string // a bad query parameter, said over the list
	Groups []AttentionGroup
	// Total is how many groups there are; Groups holds the first few.
	Total int
}

// AttentionGroup is one endpoint, or every failing endpoint on one host.
type AttentionGroup struct {
	Key   string // the endpoint id, or the host
	Title string // the endpoint's URL, or the host
	// Endpoints are a host group's endpoints (empty for an endpoint group).
	Endpoints []AttentionMember
	Owners    []string // emails
	// State is "failing", "disabled" or "auto-disabled" (a host group:
	// its worst endpoint's); StateText says it.
	State, StateText string
	// Disabled counts a host group's disabled endpoints.
	Disabled int
	// FailingSince is when it started failing; for a disabled endpoint
	// with no failure since its last success (Failing false), when it
	// was disabled.
	FailingSince time.Time
	Failing      bool
	// Failed is how many deliveries created in the last 24 hours failed
	// or are retrying; Retrying, of those, how many still retry.
	Failed, Retrying int
	Trend            Trend
	LastError        string
	// OpenURL is the admin list filtered to the group; RetryURL counts
	// its failed deliveries since it started failing and asks to confirm
	// a recovery of them (the admin list's bulk retry). RetryURL is empty
	// when nothing in the group can be retried (all disabled), and
	// RetryNote says why or what is left out.
	OpenURL, RetryURL, RetryNote string
	// NotifyIDs are the endpoints whose owners "Notify the owner again"
	// tells (POST /admin/attention/notify); NotifyBy is the grouping to
	// come back to.
	NotifyIDs []string
	NotifyBy  string
}

// notifyText is the reminder button's words: one owner or several.
func (g AttentionGroup) notifyText() string {
	if len(g.Owners) > 1 {
		return "Notify the owners again"
	}
	return "Notify the owner again"
}

// AttentionMember is an endpoint in a host group.
type AttentionMember struct {
	ID, URL, Owner string
	Failed         int
	State          string
}

// Trend is a trend of counts per hour as a row of bars, oldest first.
type Trend struct {
	Counts []int
	// Label is the trend in words, for screen readers and as the
	// picture's title.
	Label string
}

// Trend geometry, in the SVG's own units: one bar per hour.
const (
	trendBar    = 4
	trendGap    = 1
	trendHeight = 24
)

type trendRect struct{ X, Y, H string }

// sparkWidth is the whole row's width.
func (s Trend) sparkWidth() string {
	return strconv.Itoa(len(s.Counts) * (trendBar + trendGap))
}

// peak is the largest count.
func (s Trend) peak() int {
	m := 0
	for _, n := range s.Counts {
		m = max(m, n)
	}
	return m
}

// bars are the bars' rectangles, scaled to the largest count; a count
// above zero is at least 2 units high, so a single failure shows.
func (s Trend) bars() []trendRect {
	top := s.peak()
	var out []trendRect
	for i, n := range s.Counts {
		if n == 0 || top == 0 {
			continue
		}
		h := max(2, n*trendHeight/top)
		out = append(out, trendRect{
			X: strconv.Itoa(i * (trendBar + trendGap)), Y: strconv.Itoa(trendHeight - h), H: strconv.Itoa(h),
		})
	}
	return out
}

// TrendLabel says a day of counts per hour in words.
func TrendLabel(counts []int) string {
	total, top, last := 0, 0, 0
	for _, n := range counts {
		total += n
		top = max(top, n)
	}
	if len(counts) > 0 {
		last = counts[len(counts)-1]
	}
	if total == 0 {
		return fmt.Sprintf("No failures in the last %d hours.", len(counts))
	}
	return fmt.Sprintf("Failures per hour over the last %d hours: %s in all, at most %s in one hour, %s in the last hour.",
		len(counts), thousands(total), thousands(top), thousands(last))
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
