// Package maintain runs the service's housekeeping in the background:
// retention of payload and response bodies and of the endpoint health
// rollup's old hours, endpoint health (auto-disable
// after a long failure, at once on 410 Gone) and expired idempotency keys.
// Every job works in small batches with pauses, so it never holds locks
// the dispatcher waits on for more than a moment.
package maintain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/clipcabinet/webhooks/internal/config"
	"github.com/clipcabinet/webhooks/internal/service"
	"github.com/clipcabinet/webhooks/internal/store"
)

// Options configures a Maintainer.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// Retention is how long payload and response bodies are kept [config.DefaultRetention].
	Retention time.Duration
	// DisableAfter is how long an endpoint may go without a successful
	// automatic attempt before it is disabled [72h] ...
	DisableAfter time.Duration
	// ... provided at least DisableMinFailures deliveries exhausted their
	// schedule in that time [2].
	DisableMinFailures int
	// ScheduleSpan is the retry schedule's total length.
	ScheduleSpan time.Duration
	// Interval is the pause between rounds [1m].
	Interval time.Duration
	// Batch is the most rows one prune statement touches [500].
	Batch int
}

// Maintainer runs the jobs. Start once; Stop may be called more than once.
type Maintainer struct {
	o    Options
	log  *slog.Logger
	gone chan string // endpoints that answered 410 Gone
	kick chan struct{}
	loop service.Loop
}

// New builds a Maintainer.
func New(o Options) *Maintainer {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Retention <= 0 {
		o.Retention = config.DefaultRetention
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = config.DefaultDisableAfter
	}
	if o.DisableMinFailures <= 0 {
		o.DisableMinFailures = config.DefaultDisableMinFailures
	}
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	return &Maintainer{o: o, log: o.Logger.With("component", "maintain"),
		gone: make(chan string, 1024), kick: make(chan struct{}, 1)}
}

// Observe is the dispatcher's result hook: an automatic attempt answered
// 410 Gone disables its endpoint at once. Manual attempts count neither way.
func (m *Maintainer) Observe(r store.Result) {
	if r.Manual || r.StatusCode != http.StatusGone || r.EndpointID == "" {
		return
	}
	select {
	case m.gone <- r.EndpointID:
	default: // a burst of 410s from one endpoint: the first one is enough
	}
}

// Start runs the loop until Stop.
func (m *Maintainer) Start(ctx context.Context) { m.loop.Start(ctx, m.run) }

// Stop ends the loop after the statement in progress, waiting for it until
// ctx is done. It is safe before Start and more than once.
func (m *Maintainer) Stop(ctx context.Context) { m.loop.Stop(ctx) }

// RunOnce runs every job once, now (tests and the loop).
func (m *Maintainer) RunOnce(ctx context.Context) error {
	return errors.Join(m.prune(ctx), m.checkHealth(ctx), m.warnDisabling(ctx), m.pruneKeys(ctx))
}

func (m *Maintainer) run(ctx context.Context) {
	t := time.NewTicker(m.o.Interval)
	defer t.Stop()
	for {
		select {
		case <-m.loop.Stopping():
			return
		case id := <-m.gone:
			m.disable(ctx, id, "automatically disabled: the endpoint answered 410 Gone",
				"Your server answered 410 Gone, which asks senders to stop, so ClipCabinet disabled the endpoint at once.")
			continue
		case <-t.C:
		}
		if err := m.RunOnce(ctx); err != nil {
			m.log.Warn("maintenance round failed", "err", err)
		}
	}
}

// prune clears expired bodies, and the endpoint health rollup's hours
// older than its charts show, in batches, pausing between them.
func (m *Maintainer) prune(ctx context.Context) error {
	now := m.o.Store.Now()
	cutoff := now.Add(-m.o.Retention)
	for _, job := range []struct {
		name   string
		fn     func(context.Context, time.Time, int) (int64, error)
		cutoff time.Time
	}{
		{"payloads", m.o.Store.PrunePayloads, cutoff},
		{"responses", m.o.Store.PruneResponses, cutoff},
		{"health", m.o.Store.PruneHealth, now.Add(-store.HealthKeep)},
	} {
		var total int64
		for {
			n, err := job.fn(ctx, job.cutoff, m.o.Batch)
			if err != nil {
				return fmt.Errorf("maintain: prune %s: %w", job.name, err)
			}
			total += n
			if n < int64(m.o.Batch) {
				break
			}
			select {
			case <-m.loop.Stopping():
				return nil
			case <-time.After(20 * time.Millisecond):
			}
		}
		if total > 0 {
			m.log.Info("retention: rows pruned", "kind", job.name, "count", total)
		}
	}
	return nil
}

func (m *Maintainer) checkHealth(ctx context.Context) error {
	since := m.o.Store.Now().Add(-m.o.DisableAfter)
	ids, err := m.o.Store.UnhealthyEndpoints(ctx, since, m.o.DisableMinFailures, m.o.ScheduleSpan)
	if err != nil {
		return fmt.Errorf("maintain: health: %w", err)
	}
	for _, id := range ids {
		m.disable(ctx, id, fmt.Sprintf("automatically disabled: no successful delivery for %s while %d or more deliveries failed",
			human(m.o.DisableAfter), m.o.DisableMinFailures),
			fmt.Sprintf("No delivery succeeded for %s while %d or more deliveries failed, so ClipCabinet disabled the endpoint.",
				human(m.o.DisableAfter), m.o.DisableMinFailures))
	}
	return nil
}

// warnDisabling raises "will be disabled within 24 hours" for endpoints
// that meet the health check's rule over the disable window less a day
// (less half of it, for a window under two days): unless a delivery
// succeeds, the check disables them before the day is out. The store
// raises it at most once per endpoint per 24 hours.
func (m *Maintainer) warnDisabling(ctx context.Context) error {
	lead := min(24*time.Hour, m.o.DisableAfter/2)
	since := m.o.Store.Now().Add(-(m.o.DisableAfter - lead))
	ids, err := m.o.Store.UnhealthyEndpoints(ctx, since, m.o.DisableMinFailures, m.o.ScheduleSpan)
	if err != nil {
		return fmt.Errorf("maintain: disable warning: %w", err)
	}
	reason := fmt.Sprintf("No delivery has succeeded for %s while %d or more deliveries failed. "+
		"After %s without a success ClipCabinet disables the endpoint: within %s, unless a delivery succeeds first.",
		human(m.o.DisableAfter-lead), m.o.DisableMinFailures, human(m.o.DisableAfter), human(lead))
	if err := m.o.Store.NoticeWarnDisabling(ctx, ids, reason); err != nil {
		return fmt.Errorf("maintain: disable warning: %w", err)
	}
	return nil
}

func (m *Maintainer) pruneKeys(ctx context.Context) error {
	_, err := m.o.Store.PruneIdempotencyKeys(ctx)
	return err
}

// disable turns the endpoint off with the reason it records, and raises
// the owner's "disabled" notice saying why in words.
func (m *Maintainer) disable(ctx context.Context, id, reason, words string) {
	off := false
	ep, err := m.o.Store.EndpointGet(ctx, id)
	if err != nil || !ep.Enabled {
		return
	}
	patch := store.EndpointPatch{Enabled: &off, DisabledReason: reason, Notice: words}
	if _, err := m.o.Store.EndpointUpdate(ctx, store.Actor{ID: store.ActorSystem}, id, patch); err != nil {
		m.log.Error("disabling endpoint failed", "endpoint_id", id, "err", err)
		return
	}
	m.log.Warn("endpoint disabled", "endpoint_id", id, "reason", reason)
}

// human says a duration as the emails and notices do: "3 days", "1 hour",
// "30 minutes" (never Go's "1h0m0s").
func human(d time.Duration) string {
	unit := func(n int64, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day", "days")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour", "hours")
	case d >= time.Minute:
		return unit(int64(d.Round(time.Minute)/time.Minute), "minute", "minutes")
	}
	return unit(int64(d.Round(time.Second)/time.Second), "second", "seconds")
}
