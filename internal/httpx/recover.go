package httpx

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"strings"
)

// Recover turns a panic in next into a 500 whose body says only "internal
// error" and the request ID; the panic value and stack go to logger.
//
// If the handler had already started the response, a second status line is
// impossible, so Recover logs and re-panics with http.ErrAbortHandler: the
// server then aborts the connection and the client sees a truncated
// response rather than a corrupted one. A panic with http.ErrAbortHandler
// itself is passed on untouched.
//
// Headers set by next before it panicked (cookies, Content-Disposition,
// caching) are discarded; headers set by outer middleware such as
// SecurityHeaders are kept, so put those outside Recover.
func Recover(logger *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rw := newRecorder(w)
			outer := w.Header().Clone()
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				id := RequestIDFrom(r.Context())
				if id == "" {
					id = newRequestID()
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("request_id", id),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
					slog.Bool("response_started", rw.started),
				)
				if rw.started || rw.hijacked {
					panic(http.ErrAbortHandler)
				}
				h := w.Header()
				clear(h)
				maps.Copy(h, outer)
				writeInternalError(w, r, id)
			}()
			next.ServeHTTP(rw, r)
		})
	}
}

// writeInternalError answers JSON to clients that asked for it and plain
// text to everyone else. Neither form carries anything but the fixed
// message and the ID.
func writeInternalError(w http.ResponseWriter, r *http.Request, id string) {
	w.Header().Set(RequestIDHeader, id)
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeError(w, http.StatusInternalServerError, "internal", "internal error", id)
		return
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(w, "internal error\nrequest id: "+id+"\n")
}
