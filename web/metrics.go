package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/strengthsync/strengthsync/sync"
)

// Metrics are the service's Prometheus metrics, on a registry of their own
// (never the global one, so two servers in one test process do not clash).
type Metrics struct {
	// Registry holds every metric below plus the Go and process collectors.
	Registry *prometheus.Registry

	syncs         *prometheus.CounterVec
	syncDuration  prometheus.Histogram
	googleCalls   *prometheus.CounterVec
	sourceFetches *prometheus.CounterVec
	feedRequests  *prometheus.CounterVec
}

// QueueStats is what /metrics asks the queue at every scrape; sync/queue's
// Local and Redis have it.
type QueueStats interface {
	Depth(ctx context.Context) (int, error)
	Lag(ctx context.Context) (time.Duration, error)
}

// HealthSource summarises the stored plans; every sync.Store is one.
type HealthSource interface {
	SyncHealth(ctx context.Context) (sync.SyncHealth, error)
}

// MetricsConfig is what the metrics read at every scrape. A nil field
// leaves its metrics out.
type MetricsConfig struct {
	Queue QueueStats
	Store HealthSource
	// Unrecorded counts the plans whose last outcome the store could not
	// take (sync.Service.UnrecordedCount): failing for reason "store".
	Unrecorded func() int
	// Now is the clock the oldest success's age is measured with [time.Now].
	Now func() time.Time
}

// scrapeTimeout bounds each question a scrape asks the queue or the store.
const scrapeTimeout = 2 * time.Second

// NewMetrics registers the metrics.
func NewMetrics(c MetricsConfig) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strengthsync_syncs_total",
			Help: "Plan syncs by result: ok, unchanged (inputs unchanged, nothing planned), error, locked (another sync of the plan was running).",
		}, []string{"result"}),
		syncDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "strengthsync_sync_duration_seconds",
			Help:    "Time a plan sync took, fetches and writes included.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}),
		googleCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strengthsync_google_api_calls_total",
			Help: "Requests to Google by API method (events.list, events.insert, oauth.token, …) and HTTP status (\"error\" when no answer came).",
		}, []string{"method", "status"}),
		sourceFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strengthsync_source_fetches_total",
			Help: "Fetches of a plan's calendar URLs, one per source per sync, by result: changed, unchanged (304 or same bytes), transient_error, permanent_error.",
		}, []string{"result"}),
		feedRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strengthsync_feed_requests_total",
			Help: "Feed requests (GET and HEAD /feeds/{token}.ics) by HTTP status.",
		}, []string{"status"}),
	}
	m.Registry.MustRegister(m.syncs, m.syncDuration, m.googleCalls, m.sourceFetches, m.feedRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range []string{"ok", "unchanged", "error", "locked"} {
		m.syncs.WithLabelValues(r)
	}
	for _, r := range sync.FetchResults() {
		m.sourceFetches.WithLabelValues(r) // every result shows, at 0 until it happens
	}
	if q := c.Queue; q != nil {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "strengthsync_queue_depth",
			Help: "Sync jobs waiting or in flight (-1 when the queue cannot be reached).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
			defer cancel()
			n, err := q.Depth(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "strengthsync_queue_lag_seconds",
			Help: "Age of the oldest sync job waiting or in flight; 0 when the queue is empty, -1 when it cannot be reached.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
			defer cancel()
			d, err := q.Lag(ctx)
			if err != nil {
				return -1
			}
			return d.Seconds()
		}))
	}
	if c.Store != nil {
		if c.Now == nil {
			c.Now = time.Now
		}
		m.Registry.MustRegister(&healthCollector{c: c})
	}
	return m
}

// healthCollector asks the store once per scrape and reports what it said.
type healthCollector struct{ c MetricsConfig }

var (
	oldestSuccessDesc = prometheus.NewDesc("strengthsync_oldest_success_age_seconds",
		"Seconds since the least recently successful plan last synced (since its creation if it never has), "+
			"among plans that are scheduled and not failing for a reason only the runner can fix; 0 with no such plan.", nil, nil)
	failingDesc = prometheus.NewDesc("strengthsync_plans_failing",
		"Plans whose last sync failed, by reason: permanent_source, transient_source, google_revoked, store, other.",
		[]string{"reason"}, nil)
	storeUpDesc = prometheus.NewDesc("strengthsync_store_up",
		"1 when the store answered this scrape's health query, 0 when it did not (the other store gauges are then absent).", nil, nil)
)

func (h *healthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- oldestSuccessDesc
	ch <- failingDesc
	ch <- storeUpDesc
}

func (h *healthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	health, err := h.c.Store.SyncHealth(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, 1)
	age := 0.0
	if !health.OldestSuccess.IsZero() {
		age = max(h.c.Now().Sub(health.OldestSuccess).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(oldestSuccessDesc, prometheus.GaugeValue, age)
	if h.c.Unrecorded != nil {
		health.Failing[sync.ReasonStore] += h.c.Unrecorded()
	}
	for _, r := range sync.FailReasons() {
		ch <- prometheus.MustNewConstMetric(failingDesc, prometheus.GaugeValue, float64(health.Failing[r]), r)
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// Syncer wraps s so every sync is counted and timed. Wrap the worker's
// syncer too, so scheduled syncs show up, not only those the API starts.
func (m *Metrics) Syncer(s Syncer) Syncer { return instrumented{s: s, m: m} }

type instrumented struct {
	s Syncer
	m *Metrics
}

func (i instrumented) SyncPlan(ctx context.Context, id string) (sync.SyncResult, error) {
	start := time.Now()
	res, err := i.s.SyncPlan(ctx, id)
	i.m.ObserveSync(res, err, time.Since(start))
	return res, err
}

// ObserveSync records one sync's outcome and duration.
func (m *Metrics) ObserveSync(res sync.SyncResult, err error, took time.Duration) {
	switch {
	case errors.Is(err, sync.ErrLocked):
		m.syncs.WithLabelValues("locked").Inc()
		return // nothing was read: the other sync counts
	case errors.Is(err, sync.ErrNotFound):
		m.syncs.WithLabelValues("error").Inc()
		return
	case err != nil:
		m.syncs.WithLabelValues("error").Inc()
	case res.Skipped:
		m.syncs.WithLabelValues("unchanged").Inc()
	default:
		m.syncs.WithLabelValues("ok").Inc()
	}
	m.syncDuration.Observe(took.Seconds())
}

// ObserveFetch counts one fetch of a source URL by result; it is
// sync.Service.ObserveFetch, so each source of a sync counts.
func (m *Metrics) ObserveFetch(result string) { m.sourceFetches.WithLabelValues(result).Inc() }

// GoogleTransport counts every request to Google that passes through it by
// API method and status. Put it under the OAuth transport, so token
// refreshes are counted too.
func (m *Metrics) GoogleTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return countingTransport{base: base, m: m}
}

type countingTransport struct {
	base http.RoundTripper
	m    *Metrics
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(r)
	status := "error"
	if err == nil {
		status = strconv.Itoa(res.StatusCode)
	}
	t.m.googleCalls.WithLabelValues(googleMethod(r.Method, r.URL.EscapedPath()), status).Inc()
	return res, err
}

// googleMethod names a Calendar API v3 request as Google's reference does
// (https://developers.google.com/calendar/api/v3/reference). The path may
// come with or without the /calendar/v3 prefix (a fake endpoint drops it).
func googleMethod(method, path string) string {
	if strings.HasSuffix(path, "/token") {
		return "oauth.token"
	}
	if strings.HasSuffix(path, "/revoke") {
		return "oauth.revoke"
	}
	path = strings.TrimPrefix(path, "/calendar/v3")
	seg := strings.Split(strings.Trim(path, "/"), "/")
	verb := map[string]string{http.MethodGet: "get", http.MethodPost: "insert", http.MethodPatch: "patch",
		http.MethodPut: "update", http.MethodDelete: "delete"}[method]
	switch {
	case len(seg) == 1 && seg[0] == "freeBusy":
		return "freebusy.query"
	case len(seg) == 1 && seg[0] == "calendars":
		return "calendars.insert"
	case len(seg) == 2 && seg[0] == "calendars":
		return "calendars." + verb
	case len(seg) == 3 && seg[0] == "calendars" && seg[2] == "events":
		if method == http.MethodGet {
			return "events.list"
		}
		return "events.insert"
	case len(seg) == 4 && seg[0] == "calendars" && seg[2] == "events":
		if seg[3] == "watch" {
			return "events.watch"
		}
		return "events." + verb
	case len(seg) >= 2 && seg[0] == "users" && seg[1] == "me":
		return "calendarList." + verb
	}
	return "other"
}
