package httpx

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
)

func TestRequestID(t *testing.T) {
	requestIDPattern := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name     string
		incoming string
	}{
		{"ok/no-incoming-id", ""},
		{"fail/incoming-id-ignored", "attacker-chosen-id"},
		{"fail/incoming-valid-looking-id-ignored", "0123456789abcdef0123456789abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			h := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = RequestIDFrom(r.Context())
			}))
			req := httptest.NewRequest("GET", "/", nil)
			if tt.incoming != "" {
				req.Header.Set(RequestIDHeader, tt.incoming)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			got := rec.Header().Get(RequestIDHeader)
			if !requestIDPattern.MatchString(got) {
				t.Fatalf("response ID %q is not 32 lowercase hex characters", got)
			}
			if seen != got {
				t.Errorf("context ID %q != header ID %q", seen, got)
			}
			if tt.incoming != "" && got == tt.incoming {
				t.Errorf("incoming X-Request-Id was trusted")
			}
		})
	}
}

func TestRequestIDUnique(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		id := newRequestID()
		if seen[id] {
			t.Fatalf("duplicate request ID %s", id)
		}
		seen[id] = true
	}
}

func TestRequestIDFromEmptyContext(t *testing.T) {
	if got := RequestIDFrom(t.Context()); got != "" {
		t.Errorf("RequestIDFrom(empty) = %q, want empty", got)
	}
}
