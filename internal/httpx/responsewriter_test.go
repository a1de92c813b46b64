package httpx

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// allWrappers wraps next in every middleware that substitutes the
// ResponseWriter.
func allWrappers(next http.Handler) http.Handler {
	logger, _ := newTestLogger()
	return Chain(NewMetrics().Wrap(next), AccessLog(logger), Recover(logger))
}

func TestRecorderKeepsFlusherAndController(t *testing.T) {
	done := make(chan error, 1)
	h := allWrappers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(http.Flusher); !ok {
			done <- errors.New("not an http.Flusher")
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			done <- err
			return
		}
		_, _ = io.WriteString(w, "first\n")
		if err := rc.Flush(); err != nil {
			done <- err
			return
		}
		done <- nil
		_, _ = io.WriteString(w, "second\n")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := <-done; err != nil {
		t.Fatalf("in handler: %v", err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "first\n" {
		t.Errorf("read %q, %v", line, err)
	}
}

func TestRecorderKeepsHijacker(t *testing.T) {
	h := allWrappers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		_ = brw.Flush()
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hijacked" {
		t.Errorf("body = %q", b)
	}
}

// Over HTTP/2 hijacking is impossible; the wrapper must say so, not lie.
func TestRecorderHijackUnsupported(t *testing.T) {
	rw := newRecorder(httptest.NewRecorder())
	if _, _, err := rw.Hijack(); !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("Hijack on a non-hijacker: %v, want http.ErrNotSupported", err)
	}
	if rw.hijacked || rw.started {
		t.Errorf("failed hijack changed state")
	}
}

func TestRecorderStatus(t *testing.T) {
	tests := []struct {
		name       string
		write      func(w http.ResponseWriter)
		wantStatus int
		wantBytes  int64
	}{
		{"ok/implicit-200", func(w http.ResponseWriter) { _, _ = io.WriteString(w, "abc") }, 200, 3},
		{"ok/nothing-written", func(w http.ResponseWriter) {}, 200, 0},
		{"ok/explicit", func(w http.ResponseWriter) { w.WriteHeader(404); _, _ = io.WriteString(w, "ab") }, 404, 2},
		{"ok/early-hints-then-final", func(w http.ResponseWriter) { w.WriteHeader(103); w.WriteHeader(204) }, 204, 0},
		{"ok/second-writeheader-ignored", func(w http.ResponseWriter) { w.WriteHeader(201); w.WriteHeader(500) }, 201, 0},
		{"ok/flush-starts-200", func(w http.ResponseWriter) { w.(http.Flusher).Flush() }, 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rw := newRecorder(httptest.NewRecorder())
			tt.write(rw)
			if rw.statusOrOK() != tt.wantStatus || rw.bytes != tt.wantBytes {
				t.Errorf("status %d bytes %d, want %d %d", rw.statusOrOK(), rw.bytes, tt.wantStatus, tt.wantBytes)
			}
		})
	}
}
