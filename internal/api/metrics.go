package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/signet-project/signet/internal/policy"
)

// Metrics holds the Prometheus collectors of one server.
type Metrics struct {
	Registry     *prometheus.Registry
	requests     *prometheus.HistogramVec
	signatures   *prometheus.CounterVec
	signLatency  *prometheus.HistogramVec
	storeLatency *prometheus.HistogramVec
	batchSize    prometheus.Histogram
}

// NewMetrics registers the collectors in a fresh registry.
func NewMetrics() *Metrics {
	buckets := prometheus.ExponentialBuckets(0.0002, 2, 16) // 0.2 ms .. 6.5 s
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "signet_http_request_duration_seconds", Help: "HTTP requests by route and status.", Buckets: buckets,
		}, []string{"route", "code"}),
		signatures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_signatures_total", Help: "Signing requests by result (signed, denied, failed) and algorithm.",
		}, []string{"result", "alg"}),
		signLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "signet_sign_duration_seconds", Help: "Signing requests from authorization to durable log.", Buckets: buckets,
		}, []string{"alg"}),
		storeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "signet_store_commit_duration_seconds", Help: "Journal transactions (group commits) by result.", Buckets: buckets,
		}, []string{"result"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "signet_store_commit_entries", Help: "Entries per journal transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
	}
	m.Registry.MustRegister(m.requests, m.signatures, m.signLatency, m.storeLatency, m.batchSize,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observeRequest(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Observe(d.Seconds())
}

// ObserveSign records a signing request's outcome.
func (m *Metrics) ObserveSign(alg, result string, d time.Duration) {
	m.signatures.WithLabelValues(result, alg).Inc()
	if result == "signed" {
		m.signLatency.WithLabelValues(alg).Observe(d.Seconds())
	}
}

// ObserveCommit records one journal transaction.
func (m *Metrics) ObserveCommit(size int, d time.Duration, err error) {
	res := "ok"
	if err != nil {
		res = "error"
	}
	m.storeLatency.WithLabelValues(res).Observe(d.Seconds())
	m.batchSize.Observe(float64(size))
}

func (a *API) metrics(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	if a.Metrics == nil {
		http.NotFound(w, r)
		return nil
	}
	promhttp.HandlerFor(a.Metrics.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}
