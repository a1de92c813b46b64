package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every response, whatever produced it, carries every security header.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /json-error", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusForbidden, "forbidden", "not yours")
	})

	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		wantStatus int
	}{
		{"ok/200", "GET", "/ok", "", http.StatusOK},
		{"fail/404", "GET", "/missing", "", http.StatusNotFound},
		{"fail/405", "DELETE", "/ok", "", http.StatusMethodNotAllowed},
		{"fail/500-panic", "GET", "/panic", "", http.StatusInternalServerError},
		{"fail/413-too-large", "POST", "/upload", strings.Repeat("x", 100), http.StatusRequestEntityTooLarge},
		{"fail/403-json-error", "GET", "/json-error", "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, _ := newTestLogger()
			h := testStack(mux, logger, 10)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body)))
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			for name, want := range wantSecurityHeaders() {
				if got := rec.Header().Values(name); len(got) != 1 || got[0] != want {
					t.Errorf("%s = %q, want exactly %q", name, got, want)
				}
			}
		})
	}
}

func TestContentSecurityPolicyIsStrict(t *testing.T) {
	for _, banned := range []string{"unsafe-inline", "unsafe-eval", "unsafe-hashes", "*", "http:", "https:"} {
		if strings.Contains(ContentSecurityPolicy, banned) {
			t.Errorf("CSP contains %q: %s", banned, ContentSecurityPolicy)
		}
	}
	for _, required := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, required) {
			t.Errorf("CSP lacks %q", required)
		}
	}
}

func TestHSTSOnlyWhenAsked(t *testing.T) {
	rec := httptest.NewRecorder()
	SecurityHeaders(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if v := rec.Header().Get("Strict-Transport-Security"); v != "" {
		t.Errorf("SecurityHeaders set HSTS %q; only HSTS should", v)
	}
}
