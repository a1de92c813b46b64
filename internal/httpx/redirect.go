package httpx

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// RedirectToHTTPS is the whole of the plain-HTTP listener: it answers every
// request with 308 Permanent Redirect to the same host, path and query over
// HTTPS on httpsPort (omitted from the URL when it is 443), with an empty
// body.
//
// 308 rather than 301 for every method: 308 forbids the client from turning
// a POST into a GET, and browsers treat it like 301 for GET and HEAD.
//
// The Host header comes from the client. It must be a valid DNS name or IP
// literal with an optional numeric port, else the answer is 400 with a fixed
// body that does not repeat it. The request's own port is dropped.
// No HSTS here: browsers ignore it over plain HTTP.
//
// httpsPort must be a decimal port 1..65535; anything else is a
// configuration error and panics here, at start-up.
func RedirectToHTTPS(httpsPort string) http.Handler {
	n, err := strconv.Atoi(httpsPort)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != httpsPort {
		panic("httpx: RedirectToHTTPS: invalid port " + strconv.Quote(httpsPort))
	}
	suffix := ""
	if n != 443 {
		suffix = ":" + httpsPort
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, ok := splitHost(r.Host)
		if !ok || hasControl(r.URL.RawQuery) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		target := url.URL{
			Scheme:   "https",
			Host:     host + suffix,
			Path:     r.URL.Path,
			RawPath:  r.URL.RawPath,
			RawQuery: r.URL.RawQuery,
		}
		if target.Path == "" {
			target.Path = "/"
		}
		w.Header().Set("Location", target.String())
		w.WriteHeader(http.StatusPermanentRedirect)
	})
}

// hasControl reports ASCII control characters and spaces in the raw query,
// the one part url.URL.String copies without escaping. net/url refuses them
// when parsing, but a request built in code may carry them, and they must
// never reach a header.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(c rune) bool { return c <= ' ' || c == 0x7f })
}
