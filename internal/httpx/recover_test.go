package httpx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecover(t *testing.T) {
	tests := []struct {
		name       string
		accept     string
		handler    http.HandlerFunc
		wantType   string
		wantInBody []string
	}{
		{
			name:     "fail/panic-string-plain",
			handler:  func(w http.ResponseWriter, r *http.Request) { panic("boom: db password hunter2") },
			wantType: "text/plain; charset=utf-8",
		},
		{
			name:       "fail/panic-error-json",
			accept:     "application/json",
			handler:    func(w http.ResponseWriter, r *http.Request) { panic(errors.New("boom: db password hunter2")) },
			wantType:   "application/json",
			wantInBody: []string{`"code":"internal"`},
		},
		{
			name: "fail/panic-after-setting-headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Set-Cookie", "session=half-made")
				w.Header().Set("Content-Disposition", "attachment; filename=x.exe")
				panic("boom: db password hunter2")
			},
			wantType: "text/plain; charset=utf-8",
		},
		{
			name:     "fail/nil-panic",
			handler:  func(w http.ResponseWriter, r *http.Request) { panic(nil) },
			wantType: "text/plain; charset=utf-8",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, logs := newTestLogger()
			h := Chain(tt.handler, RequestID, SecurityHeaders, Recover(logger))
			req := httptest.NewRequest("GET", "/x", nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("status = %d, want 500", rec.Code)
			}
			id := rec.Header().Get(RequestIDHeader)
			body := rec.Body.String()
			if id == "" || !strings.Contains(body, id) {
				t.Errorf("body %q does not carry request ID %q", body, id)
			}
			if !strings.Contains(body, "internal error") {
				t.Errorf("body %q lacks \"internal error\"", body)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			for _, want := range tt.wantInBody {
				if !strings.Contains(body, want) {
					t.Errorf("body %q lacks %q", body, want)
				}
			}
			for _, leak := range []string{"goroutine", "panic", ".go", "hunter2", "boom", "runtime"} {
				if strings.Contains(body, leak) {
					t.Errorf("body leaks %q: %q", leak, body)
				}
			}
			for _, leak := range []string{"Set-Cookie", "Content-Disposition"} {
				if v := rec.Header().Get(leak); v != "" {
					t.Errorf("header %s set by the panicking handler survived: %q", leak, v)
				}
			}
			if rec.Header().Get("Content-Security-Policy") == "" {
				t.Errorf("security headers lost on 500")
			}
			log := logs.String()
			for _, want := range []string{id, "goroutine", "recover_test.go"} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q: %s", want, log)
				}
			}
		})
	}
}

// A handler that already sent its status line cannot get a 500 instead;
// the connection must be aborted with http.ErrAbortHandler.
func TestRecoverAfterWrite(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"fail/panic-after-body", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "partial")
			panic("boom")
		}},
		{"fail/panic-after-writeheader", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			panic("boom")
		}},
		{"fail/panic-after-flush", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			panic("boom")
		}},
		{"fail/err-abort-handler-passed-on", func(w http.ResponseWriter, r *http.Request) {
			panic(http.ErrAbortHandler)
		}},
		{"fail/wrapped-err-abort-handler-passed-on", func(w http.ResponseWriter, r *http.Request) {
			panic(fmt.Errorf("client went away: %w", http.ErrAbortHandler))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, _ := newTestLogger()
			h := Recover(logger)(tt.handler)
			rec := httptest.NewRecorder()
			v := func() (v any) {
				defer func() { v = recover() }()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				return nil
			}()
			err, _ := v.(error)
			if !errors.Is(err, http.ErrAbortHandler) {
				t.Fatalf("recovered %v, want http.ErrAbortHandler", v)
			}
			if rec.Code == http.StatusInternalServerError || strings.Contains(rec.Body.String(), "internal error") {
				t.Errorf("a second response was written: %d %q", rec.Code, rec.Body.String())
			}
		})
	}
}

// Over a real connection, a panic after the response started makes the
// client see a broken response, not a 500 glued to the first one.
func TestRecoverAfterWriteAbortsConnection(t *testing.T) {
	logger, _ := newTestLogger()
	srv := httptest.NewServer(Recover(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("boom")
	})))
	defer srv.Close()
	srv.Config.ErrorLog = nil

	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("read the whole body %q without error; want a truncated response", body)
	}
	if resp.StatusCode != http.StatusOK || string(body) != "partial" {
		t.Errorf("got %d %q, want 200 \"partial\" then abort", resp.StatusCode, body)
	}
}
