package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// readAll is the handler pattern LimitBody expects: read, and answer 413
// when the limit is hit mid-read.
func readAll(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if IsTooLarge(err) {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "read %d", len(b))
}

// onlyReader hides everything but Read, so the request has no known length.
type onlyReader struct{ io.Reader }

func TestLimitBody(t *testing.T) {
	const max = 16
	tests := []struct {
		name       string
		body       io.Reader
		length     int64 // -1: unknown (chunked)
		wantStatus int
		wantBody   string
		wantCalled bool
	}{
		{"ok/under-limit", strings.NewReader("hello"), 5, 200, "read 5", true},
		{"ok/exactly-limit", strings.NewReader(strings.Repeat("x", max)), max, 200, "read 16", true},
		{"ok/empty", http.NoBody, 0, 200, "read 0", true},
		{"ok/chunked-under-limit", onlyReader{strings.NewReader("hello")}, -1, 200, "read 5", true},
		{"fail/content-length-over-limit", strings.NewReader(strings.Repeat("x", max+1)), max + 1, 413, "request body too large\n", false},
		{"fail/content-length-huge", strings.NewReader("x"), 1 << 40, 413, "request body too large\n", false},
		{"fail/chunked-over-limit", onlyReader{strings.NewReader(strings.Repeat("x", 1000))}, -1, 413, "request body too large\n", true},
		{"fail/content-length-lies", strings.NewReader(strings.Repeat("x", 1000)), 4, 413, "request body too large\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := LimitBody(max)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				readAll(w, r)
			}))
			req := httptest.NewRequest("POST", "/", tt.body)
			req.ContentLength = tt.length
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if called != tt.wantCalled {
				t.Errorf("handler called = %v, want %v", called, tt.wantCalled)
			}
		})
	}
}

// Over a real connection, a chunked body past the limit is cut off and
// answered 413.
func TestLimitBodyChunkedOverNetwork(t *testing.T) {
	chunked := make(chan bool, 1)
	srv := httptest.NewServer(LimitBody(1024)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunked <- r.ContentLength == -1 && slices.Equal(r.TransferEncoding, []string{"chunked"})
		readAll(w, r)
	})))
	defer srv.Close()
	tests := []struct {
		name       string
		size       int
		wantStatus int
	}{
		{"ok/chunked-small", 100, 200},
		{"fail/chunked-large", 64 << 10, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL, onlyReader{bytes.NewReader(make([]byte, tt.size))})
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("POST: %v", err)
			}
			resp.Body.Close()
			if !<-chunked {
				t.Fatalf("request was not chunked")
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
		})
	}
}

func TestIsTooLarge(t *testing.T) {
	limited := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader(`{"a":"`+strings.Repeat("x", 100)+`"}`)), 10)
	var v map[string]string
	decodeErr := json.NewDecoder(limited).Decode(&v)
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"ok/nil", nil, false},
		{"ok/other-error", io.ErrUnexpectedEOF, false},
		{"fail/max-bytes-error", &http.MaxBytesError{Limit: 1}, true},
		{"fail/wrapped", fmt.Errorf("decode order: %w", &http.MaxBytesError{Limit: 1}), true},
		{"fail/from-json-decoder", decodeErr, true},
		{"fail/joined", errors.Join(io.EOF, &http.MaxBytesError{Limit: 1}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTooLarge(tt.err); got != tt.want {
				t.Errorf("IsTooLarge(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestLimitBodyNegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("LimitBody(-1) did not panic")
		}
	}()
	LimitBody(-1)
}
