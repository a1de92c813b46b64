package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	m := NewMetrics()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	logger, _ := newTestLogger()
	h := testStack(m.Wrap(mux), logger, 1<<10)

	requests := []struct{ method, target string }{
		{"GET", "/items/1"},
		{"GET", "/items/2"},
		{"GET", "/items/3?secret=x"},
		{"POST", "/items"},
		{"GET", "/panic"},
		{"GET", "/random/path/1"},
		{"GET", "/random/path/2"},
		{"BREW", "/items/1"},
		{"DELETE", "/items"},
	}
	for _, r := range requests {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(r.method, r.target, nil))
	}
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	out := rec.Body.String()

	tests := []struct {
		name string
		want string
	}{
		{"ok/route-pattern", `citadel_http_requests_total{method="GET",route="GET /items/{id}",code="200"} 3`},
		{"ok/created", `citadel_http_requests_total{method="POST",route="POST /items",code="201"} 1`},
		{"fail/panic-counted-500", `citadel_http_requests_total{method="GET",route="GET /panic",code="500"} 1`},
		{"fail/unmatched-404", `citadel_http_requests_total{method="GET",route="unmatched",code="404"} 2`},
		{"fail/unknown-method-folded", `citadel_http_requests_total{method="other",route="unmatched",code="405"} 1`},
		{"fail/wrong-method-405", `citadel_http_requests_total{method="DELETE",route="unmatched",code="405"} 1`},
		{"ok/histogram-count", `citadel_http_request_duration_seconds_count{method="GET",route="GET /items/{id}"} 3`},
		{"ok/histogram-inf", `citadel_http_request_duration_seconds_bucket{method="GET",route="GET /items/{id}",le="+Inf"} 3`},
		{"ok/histogram-bucket", `citadel_http_request_duration_seconds_bucket{method="GET",route="GET /items/{id}",le="10"} 3`},
		{"ok/type-counter", `# TYPE citadel_http_requests_total counter`},
		{"ok/type-histogram", `# TYPE citadel_http_request_duration_seconds histogram`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(out, tt.want+"\n") {
				t.Errorf("metrics lack %q:\n%s", tt.want, out)
			}
		})
	}
	for _, leak := range []string{"/items/1", "/random", "secret", "BREW"} {
		if strings.Contains(out, leak) {
			t.Errorf("metrics contain raw request data %q:\n%s", leak, out)
		}
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q", ct)
	}

	again := httptest.NewRecorder()
	m.ServeHTTP(again, httptest.NewRequest("GET", "/metrics", nil))
	if again.Body.String() != out {
		t.Errorf("two scrapes of the same state differ")
	}
}

func TestQuoteLabel(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ok/plain", "GET /x/{id}", `"GET /x/{id}"`},
		{"ok/escapes", "a\\b\"c\nd", `"a\\b\"c\nd"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quoteLabel(tt.in); got != tt.want {
				t.Errorf("quoteLabel(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
