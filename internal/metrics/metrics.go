// Package metrics exposes the service's Prometheus metrics. Counters and
// histograms are fed by the dispatcher's result hook and the publish path;
// the queue's gauges are read from PostgreSQL at scrape time, so every
// instance reports the shared queue the same way.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// Metrics holds the registry and the instruments.
type Metrics struct {
	reg       *prometheus.Registry
	attempts  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	published prometheus.Counter
	publish   prometheus.Histogram
}

// New registers every metric. inFlight reports this process's attempts in flight.
func New(st *store.Store, inFlight func() int) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "clipcabinet_attempts_total",
			Help: "Delivery attempts made by this process, by outcome and HTTP status class (2xx..5xx, none).",
		}, []string{"outcome", "status_class", "trigger"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "clipcabinet_attempt_duration_seconds",
			Help:    "Time from sending an attempt to its complete answer (or failure).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30},
		}, []string{"outcome"}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "clipcabinet_events_published_total",
			Help: "Events accepted for delivery by this process (API and test events).",
		}),
		publish: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "clipcabinet_publish_duration_seconds",
			Help: "Time to store an event with its deliveries, from the API's call to the commit " +
				"(waiting for the batch it joins included); the answer follows.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
	}
	m.reg.MustRegister(m.attempts, m.duration, m.published, m.publish,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "clipcabinet_attempts_in_flight",
			Help: "Attempts this process is making right now.",
		}, func() float64 { return float64(inFlight()) }),
		&queueCollector{st: st},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// ObserveResult counts one finished attempt.
func (m *Metrics) ObserveResult(r store.Result) {
	class := "none"
	if r.StatusCode > 0 {
		class = strconv.Itoa(int(r.StatusCode)/100) + "xx"
	}
	trigger := webhook.TriggerAutomatic
	if r.Manual {
		trigger = webhook.TriggerManual
	}
	m.attempts.WithLabelValues(r.Outcome, class, trigger).Inc()
	m.duration.WithLabelValues(r.Outcome).Observe(float64(r.DurationMs) / 1000)
}

// Published counts an accepted event that took d to store. A load
// tool's latency that this does not show was spent outside the store:
// reading the request, writing the answer, or waiting for a core.
func (m *Metrics) Published(d time.Duration) {
	m.published.Inc()
	m.publish.Observe(d.Seconds())
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// queueCollector reads the shared queue's state at scrape time.
type queueCollector struct{ st *store.Store }

var (
	descDue      = prometheus.NewDesc("clipcabinet_deliveries_due", "Deliveries due now and not held by a worker (all instances).", nil, nil)
	descOverdue  = prometheus.NewDesc("clipcabinet_deliveries_overdue", "Deliveries due for more than a minute and not held by a worker.", nil, nil)
	descOldest   = prometheus.NewDesc("clipcabinet_oldest_due_age_seconds", "How long the oldest waiting delivery has been due (0: none waiting).", nil, nil)
	descDisabled = prometheus.NewDesc("clipcabinet_endpoints_disabled", "Endpoints that are disabled (by their owner, the API or automatically).", nil, nil)
	descUp       = prometheus.NewDesc("clipcabinet_database_up", "1 when the database answered the scrape's queries.", nil, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDue, descOverdue, descOldest, descDisabled, descUp} {
		ch <- d
	}
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	qs, err1 := c.st.QueueStats(ctx)
	disabled, err2 := c.st.DisabledEndpoints(ctx)
	if err1 != nil || err2 != nil {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(descDue, prometheus.GaugeValue, float64(qs.Due))
	ch <- prometheus.MustNewConstMetric(descOverdue, prometheus.GaugeValue, float64(qs.Overdue))
	ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, max(0, qs.OldestAgeSeconds))
	ch <- prometheus.MustNewConstMetric(descDisabled, prometheus.GaugeValue, float64(disabled))
}
