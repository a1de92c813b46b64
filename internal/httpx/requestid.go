package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// RequestIDHeader is the response header carrying the request ID.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID gives every request a fresh random 128-bit ID (32 lowercase hex
// characters), puts it in the request context and in the X-Request-Id
// response header.
//
// An incoming X-Request-Id is ignored: a client that could choose the ID
// could forge log correlation or make two requests look like one.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), id)))
	})
}

// WithRequestID returns a copy of ctx carrying id. It exists for tests and
// for background work started on behalf of a request.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the ID RequestID stored in ctx, or "" if there is
// none.
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	var b [16]byte
	// crypto/rand.Read never returns an error; it crashes the program if
	// the system's random source fails, which is what we want.
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
