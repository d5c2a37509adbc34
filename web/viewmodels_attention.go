package web

import (
	"fmt"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// attentionEndpointGroup is one endpoint as a group of Needs attention.
// "Retry this group…" is the admin list's bulk retry narrowed to the
// endpoint and to the deliveries since it started failing: its count
// comes first, then the recovery and its progress.
func (s *Server) attentionEndpointGroup(e store.AttentionEndpoint) views.AttentionGroup {
	g := views.AttentionGroup{
		Key: e.ID, Title: e.URL, Owners: []string{e.OwnerEmail},
		FailingSince: e.FailingSince, Failing: e.Failing, Failed: e.Failed, Retrying: e.Retrying,
		Trend: trend(e.Hourly), LastError: attentionError(e),
		OpenURL:   withQuery("/admin/deliveries", "endpoint", e.ID, "status", "any"),
		NotifyIDs: []string{e.ID}, NotifyBy: "endpoint",
	}
	g.State, g.StateText = attentionState(e)
	if e.Enabled {
		g.RetryURL = withQuery("/admin/deliveries/retry", "endpoint", e.ID, "from", retryFrom(e.FailingSince))
	} else {
		g.RetryNote = "Disabled: its owner must enable it again before its deliveries can be retried."
	}
	return g
}

// attentionHostGroup is every endpoint that needs attention on one host,
// whoever owns it. Its retry covers the enabled ones.
func (s *Server) attentionHostGroup(h store.AttentionHost) views.AttentionGroup {
	g := views.AttentionGroup{
		Key: h.Host, Title: h.Host, Owners: h.Owners, Disabled: h.Disabled,
		FailingSince: h.FailingSince, Failed: h.Failed, Retrying: h.Retrying,
		Trend: trend(h.Hourly), LastError: attentionError(h.Last),
		OpenURL: withQuery("/admin/deliveries", "exactHost", h.Host, "status", "any"),
	}
	for _, e := range h.Endpoints {
		g.Failing = g.Failing || e.Failing
		state, _ := attentionState(e)
		g.Endpoints = append(g.Endpoints, views.AttentionMember{ID: e.ID, URL: e.URL, Owner: e.OwnerEmail, Failed: e.Failed, State: state})
		g.NotifyIDs = append(g.NotifyIDs, e.ID)
	}
	g.NotifyBy = "host"
	g.State, g.StateText = "failing", "Failing"
	n := len(h.Endpoints)
	switch {
	case h.Host == "":
		// No host to narrow the retry to: it would retry every user's.
	case h.Disabled == n:
		g.State, g.StateText = attentionState(h.Endpoints[0])
		g.RetryNote = "Every endpoint on this host is disabled: their owners must enable them again before their deliveries can be retried."
	default:
		g.RetryURL = withQuery("/admin/deliveries/retry", "exactHost", h.Host, "from", retryFrom(h.FailingSince))
		if h.Disabled > 0 {
			g.RetryNote = fmt.Sprintf("%d of these %d endpoints are disabled: a retry leaves their deliveries alone.", h.Disabled, n)
		}
	}
	return g
}

// attentionState is the endpoint's state as the page shows it.
func attentionState(e store.AttentionEndpoint) (state, text string) {
	switch {
	case e.Enabled:
		return "failing", "Failing"
	case autoDisabled(e.DisabledBy):
		return "auto-disabled", "Auto-disabled"
	}
	return "disabled", "Disabled"
}

// attentionError is the endpoint's last error in words: its newest
// failing delivery's last attempt, as a delivery's page says it, or why
// that delivery ended without one.
func attentionError(e store.AttentionEndpoint) string {
	switch {
	case e.LastAttempt != nil:
		return attemptReason(*e.LastAttempt, e.URL)
	case e.LastFailureReason != "":
		return sentence(e.LastFailureReason)
	case !e.Enabled:
		return disabledReasonText(e.DisabledReason)
	}
	return ""
}

func trend(hourly [store.AttentionHours]int) views.Trend {
	counts := hourly[:]
	return views.Trend{Counts: counts, Label: views.TrendLabel(counts)}
}

// retryFrom is the start of a group's retry: when it started failing, to
// the minute (rounded down, so that delivery is in the range), as the
// admin list's "from" filter reads it.
func retryFrom(t time.Time) string {
	return t.UTC().Truncate(time.Minute).Format("2006-01-02 15:04")
}
