package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clipcabinet/webhooks/internal/webhook"
	"github.com/clipcabinet/webhooks/views"
)

// findFilter is the search filters the drawer and the admin list share,
// read from their URLs: recording, eventId, outcome, code, from and to.
type findFilter struct {
	RecordingID, EventID, Outcome string
	Code                          int32
	From, Before                  time.Time // zero: open
}

// findTimeFormats are the forms a time filter takes, in UTC; the hint
// under the fields shows the second.
var findTimeFormats = []struct {
	layout string
	unit   time.Duration // "to" includes the whole day, minute or second named
}{
	{"2006-01-02", 24 * time.Hour},
	{"2006-01-02 15:04", time.Minute},
	{"2006-01-02T15:04", time.Minute},
	{"2006-01-02 15:04:05", time.Second},
	{"2006-01-02T15:04:05", time.Second},
}

// parseFind reads the shared search filters. A bad value is a message
// in vf.Errors under its parameter's name and does not filter.
func parseFind(q url.Values) (views.FindFilter, findFilter) {
	vf := views.FindFilter{
		Recording: strings.TrimSpace(q.Get("recording")), EventID: strings.TrimSpace(q.Get("eventId")),
		Outcome: q.Get("outcome"), Code: strings.TrimSpace(q.Get("code")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Outcomes: webhook.AttemptOutcomes, Errors: map[string]string{},
	}
	var f findFilter
	if vf.Recording != "" {
		if len(vf.Recording) > 200 || !storableText(vf.Recording) {
			vf.Errors["recording"] = "A recording id is at most 200 characters, without control characters."
		} else {
			f.RecordingID = vf.Recording
		}
	}
	if vf.EventID != "" {
		if !webhook.ValidID(webhook.PrefixEvent, vf.EventID) {
			vf.Errors["eventId"] = "An event id is a whole id, such as evt_2YwK3pQ8r5n6mZ4a."
		} else {
			f.EventID = vf.EventID
		}
	}
	if vf.Outcome != "" {
		if !slices.Contains(webhook.AttemptOutcomes, vf.Outcome) {
			vf.Errors["outcome"] = "Unknown outcome."
		} else {
			f.Outcome = vf.Outcome
		}
	}
	if vf.Code != "" {
		n, err := strconv.Atoi(vf.Code)
		if err != nil || n < 100 || n > 599 {
			vf.Errors["code"] = "A response code is a number from 100 to 599, such as 503."
		} else {
			f.Code = int32(n)
		}
	}
	const timeErr = "Write a UTC time as 2026-04-30 22:00, or a day as 2026-04-30."
	if vf.From != "" {
		if t, _, ok := parseFindTime(vf.From); ok {
			f.From = t
		} else {
			vf.Errors["from"] = timeErr
		}
	}
	if vf.To != "" {
		if t, unit, ok := parseFindTime(vf.To); ok {
			f.Before = t.Add(unit)
		} else {
			vf.Errors["to"] = timeErr
		}
	}
	if !f.From.IsZero() && !f.Before.IsZero() && !f.From.Before(f.Before) {
		vf.Errors["to"] = "The end of the range must not be before its start."
		f.Before = time.Time{}
	}
	return vf, f
}

// parseFindTime reads a time filter in UTC (or RFC 3339 with its offset)
// and the unit it names.
func parseFindTime(v string) (time.Time, time.Duration, bool) {
	for _, tf := range findTimeFormats {
		if t, err := time.Parse(tf.layout, v); err == nil {
			return t, tf.unit, t.Year() >= 1 && t.Year() <= 9999
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil && t.Year() >= 1 && t.Year() <= 9999 {
		return t.UTC(), time.Millisecond, true
	}
	return time.Time{}, 0, false
}

// findPairs is the filters as query pairs for withQuery, as typed.
func findPairs(vf views.FindFilter) []string {
	return []string{"recording", vf.Recording, "eventId", vf.EventID, "outcome", vf.Outcome,
		"code", vf.Code, "from", vf.From, "to", vf.To}
}

// idPrefix reads a partial delivery id: the start of one, with or without
// its del_ prefix. ok is false for anything an id cannot start with.
func idPrefix(v string) (prefix string, ok bool) {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, webhook.PrefixDelivery) {
		v = webhook.PrefixDelivery + v
	}
	rest := v[len(webhook.PrefixDelivery):]
	if len(rest) > 40 {
		return "", false
	}
	for _, c := range rest {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return "", false
		}
	}
	return v, true
}

// findErrors is the filters' messages as one, for the alert over the
// results (the fields show theirs when the page is drawn whole).
func findErrors(f views.FindFilter) string {
	var msgs []string
	for _, k := range []string{"recording", "eventId", "outcome", "code", "from", "to"} {
		if m := f.Errors[k]; m != "" {
			msgs = append(msgs, m)
		}
	}
	return "Check the filters: " + strings.Join(msgs, " ")
}
