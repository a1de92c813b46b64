package httpx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAccessLog(t *testing.T) {
	const (
		cookieSecret = "COOKIE-SECRET-5f2a"
		authSecret   = "AUTH-SECRET-91bc"
		querySecret  = "QUERY-SECRET-77de"
		bodySecret   = "BODY-SECRET-c0ff"
	)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(b[:4])
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })

	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		wantStatus int
		wantBytes  int
		wantPath   string
	}{
		{"ok/secrets-everywhere", "POST", "/login?token=" + querySecret + "&x=1", bodySecret, http.StatusAccepted, 4, "/login"},
		{"fail/not-found", "GET", "/nope?token=" + querySecret, "", http.StatusNotFound, 19, "/nope"},
		{"fail/panic-logged-as-500", "GET", "/panic?token=" + querySecret, "", http.StatusInternalServerError, -1, "/panic"},
		{"fail/long-path-truncated", "GET", "/" + strings.Repeat("a", 5000), "", http.StatusNotFound, 19, "/" + strings.Repeat("a", maxLoggedPath-1) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := newTestLogger()
			h := testStack(mux, logger, 1<<10)
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			req.RemoteAddr = "192.0.2.7:51234"
			req.Header.Set("Cookie", "session="+cookieSecret)
			req.Header.Set("Authorization", "Bearer "+authSecret)
			req.Header.Set("X-Forwarded-For", "198.51.100.1")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			raw := logs.String()
			for _, secret := range []string{cookieSecret, authSecret, querySecret, bodySecret, "token=", "198.51.100.1"} {
				if strings.Contains(raw, secret) {
					t.Errorf("log contains %q:\n%s", secret, raw)
				}
			}
			var line map[string]any
			for _, l := range logs.lines(t) {
				if l["msg"] == "request" {
					line = l
				}
			}
			if line == nil {
				t.Fatalf("no access log line in:\n%s", raw)
			}
			want := map[string]any{
				"request_id": rec.Header().Get(RequestIDHeader),
				"method":     tt.method,
				"path":       tt.wantPath,
				"status":     float64(tt.wantStatus),
				"remote_ip":  "192.0.2.7",
				"proto":      "HTTP/1.1",
			}
			if tt.wantBytes >= 0 {
				want["bytes"] = float64(tt.wantBytes)
			}
			for k, v := range want {
				if line[k] != v {
					t.Errorf("log %s = %v, want %v", k, line[k], v)
				}
			}
			if d, ok := line["duration_ms"].(float64); !ok || d < 0 {
				t.Errorf("duration_ms = %v", line["duration_ms"])
			}
			if line["request_id"] == "" {
				t.Errorf("empty request_id")
			}
		})
	}
}

func TestAccessLogImplicitOK(t *testing.T) {
	logger, logs := newTestLogger()
	h := AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	lines := logs.lines(t)
	if len(lines) != 1 || lines[0]["status"] != float64(200) || lines[0]["bytes"] != float64(0) {
		t.Errorf("got %v, want one line with status 200 and 0 bytes", lines)
	}
}
