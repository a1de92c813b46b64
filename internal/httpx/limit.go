package httpx

import (
	"errors"
	"net/http"
)

// LimitBody caps request bodies at max bytes. A request that declares a
// larger Content-Length is refused with 413 before next runs; any other
// body (chunked, or lying about its length) is wrapped in
// http.MaxBytesReader, so reading past max fails and the handler should
// answer 413 when IsTooLarge reports the error.
//
// max < 0 is a programming error and panics when the middleware is built.
func LimitBody(max int64) Middleware {
	if max < 0 {
		panic("httpx: LimitBody: negative max")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				// The body is never read; closing the connection spares the
				// server from draining it.
				w.Header().Set("Connection", "close")
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, max)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// IsTooLarge reports whether err (from reading or decoding a request body)
// means the body went past the limit LimitBody set. Handlers answer 413.
func IsTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
