package httpx

import (
	"log/slog"
	"net/http"
	"time"
)

// maxLoggedPath bounds the path written to the log: a request line can be
// near a megabyte long, a log line should not.
const maxLoggedPath = 1024

// AccessLog writes one structured line per request to logger, after the
// response is done:
//
//	request_id, method, path, status, bytes, duration_ms, remote_ip, proto
//
// Deliberately absent: the query string (reset and OAuth tokens travel
// there), headers (cookies, Authorization), and bodies. path is URL.Path;
// routes must not carry secrets in the path either.
//
// Put AccessLog outside Recover so a recovered panic is logged as a 500.
// A panic that escapes (http.ErrAbortHandler) is not logged here; Recover
// has logged it.
func AccessLog(logger *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rw := newRecorder(w)
			next.ServeHTTP(rw, r)
			d := time.Since(start)

			path := r.URL.Path
			if len(path) > maxLoggedPath {
				path = path[:maxLoggedPath] + "..."
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", RequestIDFrom(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", path),
				slog.Int("status", rw.statusOrOK()),
				slog.Int64("bytes", rw.bytes),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.String("remote_ip", ClientIP(r)),
				slog.String("proto", r.Proto),
			)
		})
	}
}
