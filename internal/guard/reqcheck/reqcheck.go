// Package reqcheck refuses requests that are malformed at the HTTP level
// in ways Go's net/http lets through but Apache and nginx refuse: a
// fragment or control byte in the request target, an empty or ill-formed
// Host, a CONNECT whose target is not host:port. (Whether CONNECT is
// allowed at all is the router's business: it is not.)
//
// It belongs after the WAF in the chain, so that the WAF's rules still see
// (and log) the request before it is refused; a request refused here never
// reaches a handler.
package reqcheck

import (
	"net/http"
	"strings"
)

// Middleware answers 400 to a malformed request and passes the rest on.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Problem(r) != "" {
			w.Header().Set("Connection", "close")
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Problem names what is wrong with r, or returns "" when nothing is. The
// names are for logs and tests, never for the client.
func Problem(r *http.Request) string {
	switch {
	case r.Method == http.MethodConnect && !validAuthority(r.RequestURI):
		return "bad-connect-target" // RFC 9110 section 9.3.6: host:port
	case strings.ContainsRune(r.RequestURI, '#'):
		return "fragment-in-target" // RFC 9112 section 3.2
	case hasControl(r.RequestURI):
		return "control-byte-in-target"
	case !validHost(r.Host):
		return "bad-host"
	}
	return ""
}

// validAuthority is host:port with the port required.
func validAuthority(s string) bool {
	i := strings.LastIndexByte(s, ':')
	return i > 0 && i < len(s)-1 && !strings.HasSuffix(s, "]") && validHost(s)
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// validHost accepts a DNS name or IPv4 address, or a bracketed IPv6
// literal, with an optional numeric port: stricter than RFC 3986's
// reg-name, which also allows percent-encoding and sub-delims no real
// host name uses.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	name, port := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		name, port = h[1:end], h[end+1:]
		if !strings.ContainsRune(name, ':') || strings.Trim(name, "0123456789abcdefABCDEF:.") != "" {
			return false
		}
	} else if i := strings.IndexByte(h, ':'); i >= 0 {
		name, port = h[:i], h[i:]
	}
	if port != "" {
		digits := strings.TrimPrefix(port, ":")
		if digits == port || digits == "" || len(digits) > 5 || strings.Trim(digits, "0123456789") != "" {
			return false
		}
	}
	if strings.HasPrefix(h, "[") {
		return true
	}
	if len(name) > 253 || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
