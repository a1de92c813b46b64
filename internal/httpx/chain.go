// Package httpx holds the HTTP middleware every Citadel surface (HTML, JSON
// API, admin) puts in front of its route table: request IDs, panic recovery,
// access logging, security headers, body limits, metrics, the plain-HTTP to
// HTTPS redirect, and the small helpers the handlers share (JSON errors,
// client IP).
//
// The middleware here knows nothing of sessions, users or the domain; it only
// makes every response safe by default and every request traceable.
//
// Order matters. The recommended chain, outermost first, is
//
//	h := httpx.Chain(metrics.Wrap(mux),
//		httpx.RequestID,            // everything after can log the ID
//		httpx.AccessLog(logger),    // sees the final status, including 500s from Recover
//		httpx.SecurityHeaders,      // set before Recover snapshots the headers
//		httpx.HSTS,                 // HTTPS listener only
//		httpx.Recover(logger),
//		httpx.LimitBody(1<<20),
//	)
//
// Metrics wraps the ServeMux directly because the mux records the matched
// pattern on the *http.Request it is given, and every middleware that adds
// to the context hands a copy down.
package httpx

import "net/http"

// Middleware is the shape every function in this package returns or is.
type Middleware = func(http.Handler) http.Handler

// Chain wraps h in mws so that the first middleware is the outermost: a
// request passes through mws[0], then mws[1], ..., then h.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
