package httpx

import (
	"bufio"
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ServeHTTP writes the collected metrics in the Prometheus text exposition
// format, sorted so that two scrapes of the same state are byte-identical.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriter(w)
	m.writeText(bw)
	_ = bw.Flush()
}

func (m *Metrics) writeText(w *bufio.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()

	reqKeys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		reqKeys = append(reqKeys, k)
	}
	slices.SortFunc(reqKeys, func(a, b requestKey) int {
		return cmp.Or(compareRoute(a.routeKey, b.routeKey), cmp.Compare(a.code, b.code))
	})
	fmt.Fprintf(w, "# HELP %s HTTP requests by method, route pattern and status code.\n", metricRequests)
	fmt.Fprintf(w, "# TYPE %s counter\n", metricRequests)
	for _, k := range reqKeys {
		fmt.Fprintf(w, "%s{method=%s,route=%s,code=\"%d\"} %d\n",
			metricRequests, quoteLabel(k.method), quoteLabel(k.route), k.code, m.requests[k])
	}

	durKeys := make([]routeKey, 0, len(m.duration))
	for k := range m.duration {
		durKeys = append(durKeys, k)
	}
	slices.SortFunc(durKeys, compareRoute)
	fmt.Fprintf(w, "# HELP %s HTTP request durations by method and route pattern.\n", metricDuration)
	fmt.Fprintf(w, "# TYPE %s histogram\n", metricDuration)
	for _, k := range durKeys {
		h := m.duration[k]
		labels := "method=" + quoteLabel(k.method) + ",route=" + quoteLabel(k.route)
		var cum uint64
		for i, c := range h.counts {
			cum += c
			le := "+Inf"
			if i < len(m.buckets) {
				le = strconv.FormatFloat(m.buckets[i], 'g', -1, 64)
			}
			fmt.Fprintf(w, "%s_bucket{%s,le=\"%s\"} %d\n", metricDuration, labels, le, cum)
		}
		fmt.Fprintf(w, "%s_sum{%s} %s\n", metricDuration, labels, strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(w, "%s_count{%s} %d\n", metricDuration, labels, h.count)
	}
}

func compareRoute(a, b routeKey) int {
	return cmp.Or(strings.Compare(a.route, b.route), strings.Compare(a.method, b.method))
}

// quoteLabel quotes a label value as the text format requires: only
// backslash, double quote and newline are escaped.
func quoteLabel(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
