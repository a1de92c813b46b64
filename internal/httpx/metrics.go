package httpx

import (
	"net/http"
	"sync"
	"time"
)

// Metric names, in the Prometheus text format served by Metrics.ServeHTTP.
const (
	metricRequests = "citadel_http_requests_total"
	metricDuration = "citadel_http_request_duration_seconds"
)

// unmatchedRoute labels requests the ServeMux matched to no pattern (404,
// 405, redirects it made itself).
const unmatchedRoute = "unmatched"

// Metrics counts requests by method, route and status code, and records
// their durations in a histogram by method and route. It serves what it
// has collected in the Prometheus text exposition format (version 0.0.4),
// so any Prometheus-compatible scraper can read it; mount it on the admin
// listener only.
//
// Labels stay bounded whatever clients send: the route is the ServeMux
// pattern that matched (r.Pattern), never the raw path; the method is one
// of the standard ones or "other"; the code is one net/http accepted.
//
// It is written on the standard library alone because the Prometheus
// client's dependencies are not in go.sum; its metric names and format are
// those the client library would produce, so swapping it later changes no
// dashboard.
type Metrics struct {
	buckets []float64 // upper bounds in seconds, ascending

	mu       sync.Mutex
	requests map[requestKey]uint64
	duration map[routeKey]*histogram
}

type routeKey struct{ method, route string }

type requestKey struct {
	routeKey
	code int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	count  uint64
}

// NewMetrics returns an empty collector with the Prometheus client's
// default latency buckets (5ms to 10s).
func NewMetrics() *Metrics {
	return &Metrics{
		buckets:  []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		requests: make(map[requestKey]uint64),
		duration: make(map[routeKey]*histogram),
	}
}

// Wrap measures every request through next. next must be the ServeMux
// itself (or reach it without copying the request): the mux records the
// matched pattern on the *http.Request it receives, and Wrap reads it from
// there once next returns.
//
// A request whose handler panics is counted as a 500 before the panic goes
// on to Recover.
func (m *Metrics) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := newRecorder(w)
		completed := false
		defer func() {
			code := rw.statusOrOK()
			if !completed {
				code = http.StatusInternalServerError
			}
			route := r.Pattern
			if route == "" {
				route = unmatchedRoute
			}
			m.observe(routeKey{methodClass(r.Method), route}, code, time.Since(start))
		}()
		next.ServeHTTP(rw, r)
		completed = true
	})
}

func (m *Metrics) observe(k routeKey, code int, d time.Duration) {
	secs := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{k, code}]++
	h := m.duration[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(m.buckets)+1)}
		m.duration[k] = h
	}
	i := 0
	for i < len(m.buckets) && secs > m.buckets[i] {
		i++
	}
	h.counts[i]++
	h.sum += secs
	h.count++
}

// methodClass folds the request method, which a client may set to any
// token, onto a fixed set.
func methodClass(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}
