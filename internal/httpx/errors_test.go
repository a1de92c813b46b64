package httpx

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriteError(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		code    string
		message string
	}{
		{"ok/not-found", http.StatusNotFound, "not_found", "no such order"},
		{"ok/html-and-quotes-escaped", http.StatusBadRequest, "invalid", `<script>"x"</script>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rec.Header().Set("Content-Length", "999")
			WriteError(rec, tt.status, tt.code, tt.message)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cl := rec.Header().Get("Content-Length"); cl != "" {
				t.Errorf("stale Content-Length %q kept", cl)
			}
			var got map[string]map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", rec.Body.String(), err)
			}
			want := map[string]string{"code": tt.code, "message": tt.message}
			if len(got) != 1 || len(got["error"]) != 2 || got["error"]["code"] != want["code"] || got["error"]["message"] != want["message"] {
				t.Errorf("body = %v, want {error: %v}", got, want)
			}
		})
	}
}
