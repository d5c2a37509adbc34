package store

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// The admin's "Needs attention": the endpoints whose deliveries are
// failing, and those the service disabled, worst first.
//
// An endpoint is failing when, since its newest successful delivery (by
// creation time), a delivery failed (its schedule ran out, or the endpoint
// was disabled before it succeeded) or is retrying (its last attempt
// failed). It is failing since the oldest such delivery. A success of a
// newer delivery ends it, so an endpoint that recovered by itself drops
// out, and so does one whose failures all succeeded when retried. An
// endpoint disabled by the service (disabled_by 'system') is listed even
// without a failing delivery; one its owner or the API disabled only
// while it is also failing (a pause is not a problem).

// AttentionHours is how far back the counts and the trend reach.
const AttentionHours = 24

// AttentionEndpoint is one endpoint that needs attention.
type AttentionEndpoint struct {
	ID, UserID, OwnerEmail, URL string
	// Host is the URL's host and port, lower case: what the admin list's
	// exact host filter matches.
	Host           string
	Enabled        bool
	DisabledBy     *string
	DisabledReason *string
	// FailingSince is the oldest failed or retrying delivery after the
	// newest success; for a disabled endpoint without one, when it was
	// disabled. Failing is false in that case.
	FailingSince time.Time
	Failing      bool
	// Failed is how many of its deliveries created in the last
	// AttentionHours failed or are retrying; Retrying, of those, how many
	// are still retrying.
	Failed, Retrying int
	// Hourly counts Failed by the hour of creation, oldest hour first:
	// Hourly[AttentionHours-1] is the hour up to now.
	Hourly [AttentionHours]int
	// LastAttempt is the newest failing delivery's last attempt (nil when
	// it had none: it ended because the endpoint was disabled), and
	// LastFailureReason why that delivery ended, if it did.
	LastAttempt       *Attempt
	LastFailureReason string
}

// Disabled reports whether the endpoint is disabled.
func (e AttentionEndpoint) Disabled() bool { return !e.Enabled }

// Attention returns the endpoints that need attention, sorted by impact
// (see ByImpact).
func (s *Store) Attention(ctx context.Context) ([]AttentionEndpoint, error) {
	rows, err := s.q.EndpointAttention(ctx, s.Now())
	if err != nil {
		return nil, wrap("attention", err)
	}
	out := make([]AttentionEndpoint, 0, len(rows))
	for _, r := range rows {
		e := AttentionEndpoint{
			ID: r.ID, UserID: r.UserID, OwnerEmail: r.Email, URL: r.Url, Host: r.Host, Enabled: r.Enabled,
			DisabledBy: r.DisabledBy, DisabledReason: r.DisabledReason,
			FailingSince: r.FailingSince, Failing: r.FailureID != "", Retrying: int(r.Retrying),
		}
		if r.FailureReason != nil && e.Failing {
			e.LastFailureReason = *r.FailureReason
		}
		// The query counts back from now (index 0); the trend reads forward.
		for i, n := range r.Hourly {
			if i < AttentionHours {
				e.Hourly[AttentionHours-1-i] = int(n)
				e.Failed += int(n)
			}
		}
		if r.LastOutcome != nil {
			e.LastAttempt = &Attempt{
				DeliveryID: r.FailureID, StartedAt: derefTime(r.LastStartedAt), Outcome: *r.LastOutcome,
				StatusCode: r.LastStatusCode, Error: r.LastError, RemoteAddr: r.LastRemoteAddr,
				DurationMs: derefInt32(r.LastDurationMs), ConnectMs: r.LastConnectMs, FirstByteMs: r.LastFirstByteMs,
			}
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b AttentionEndpoint) int {
		return ByImpact(a.Failed, b.Failed, a.Disabled(), b.Disabled(), a.FailingSince, b.FailingSince, a.ID, b.ID)
	})
	return out, nil
}

// ByImpact orders what needs attention, worst first: more deliveries
// failed or retrying in the last AttentionHours; then disabled before
// enabled (nothing at all is delivered to it); then failing for longer;
// then by key, so the order is stable.
func ByImpact(failedA, failedB int, disabledA, disabledB bool, sinceA, sinceB time.Time, keyA, keyB string) int {
	if c := cmp.Compare(failedB, failedA); c != 0 {
		return c
	}
	if disabledA != disabledB {
		if disabledA {
			return -1
		}
		return 1
	}
	if c := sinceA.Compare(sinceB); c != 0 {
		return c
	}
	return cmp.Compare(keyA, keyB)
}

// AttentionHost is the endpoints that need attention on one receiving
// host, across users.
type AttentionHost struct {
	Host      string
	Endpoints []AttentionEndpoint // by impact
	// Owners are the endpoints' owners' emails, each once, by impact.
	Owners []string
	// Failed, Retrying and Hourly add up the endpoints'; Disabled counts
	// the disabled ones; FailingSince is the earliest.
	Failed, Retrying, Disabled int
	Hourly                     [AttentionHours]int
	FailingSince               time.Time
	// Last is the endpoint whose last failing attempt is the newest (the
	// first endpoint when none has an attempt).
	Last AttentionEndpoint
}

// AttentionByHost groups endpoints (as Attention returns them) by their
// receiving host, sorted by impact like the endpoints.
func AttentionByHost(eps []AttentionEndpoint) []AttentionHost {
	index := map[string]int{}
	var hosts []AttentionHost
	for _, e := range eps {
		i, ok := index[e.Host]
		if !ok {
			i = len(hosts)
			index[e.Host] = i
			hosts = append(hosts, AttentionHost{Host: e.Host, FailingSince: e.FailingSince, Last: e})
		}
		h := &hosts[i]
		h.Endpoints = append(h.Endpoints, e)
		if !slices.Contains(h.Owners, e.OwnerEmail) {
			h.Owners = append(h.Owners, e.OwnerEmail)
		}
		h.Failed += e.Failed
		h.Retrying += e.Retrying
		for j, n := range e.Hourly {
			h.Hourly[j] += n
		}
		if e.Disabled() {
			h.Disabled++
		}
		if e.FailingSince.Before(h.FailingSince) {
			h.FailingSince = e.FailingSince
		}
		if e.LastAttempt != nil && (h.Last.LastAttempt == nil || e.LastAttempt.StartedAt.After(h.Last.LastAttempt.StartedAt)) {
			h.Last = e
		}
	}
	slices.SortFunc(hosts, func(a, b AttentionHost) int {
		return ByImpact(a.Failed, b.Failed, a.Disabled > 0, b.Disabled > 0, a.FailingSince, b.FailingSince, a.Host, b.Host)
	})
	return hosts
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func derefInt32(n *int32) int32 {
	if n == nil {
		return 0
	}
	return *n
}
