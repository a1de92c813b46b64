package limit

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// Middleware refuses requests from blocked networks with 403 and
// requests over their class's rate, per client address, with 429 and a
// Retry-After in whole seconds. classify picks the route class (nil:
// ClassPage for all); clientIP gives the client address (nil: the
// connection's peer, r.RemoteAddr — behind a proxy, pass a function that
// trusts only the proxy's header). Put it outermost, before the WAF, so
// that floods and blocked networks cost as little as possible.
func (l *Limiter) Middleware(classify func(*http.Request) Class, clientIP func(*http.Request) netip.Addr) func(http.Handler) http.Handler {
	if clientIP == nil {
		clientIP = RemoteIP
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := clientIP(r)
			if blocked, _, _ := l.Blocked(r.Context(), ip); blocked {
				refuse(w, http.StatusForbidden, "Forbidden\n")
				return
			}
			class := ClassPage
			if classify != nil {
				if c := classify(r); c != "" {
					class = c
				}
			}
			ok, retry, err := l.Allow(r.Context(), class, IPKey(ip))
			if err != nil { // the request's context ended
				return
			}
			if !ok {
				w.Header().Set("Retry-After", RetryAfterSeconds(retry))
				refuse(w, http.StatusTooManyRequests, "Too many requests, please retry later.\n")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func refuse(w http.ResponseWriter, code int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write([]byte(body))
}

// RetryAfterSeconds formats a wait as a Retry-After value: whole
// seconds, rounded up, at least 1.
func RetryAfterSeconds(d time.Duration) string {
	s := (d + time.Second - 1) / time.Second
	return strconv.FormatInt(int64(max(s, 1)), 10)
}

// RemoteIP returns the address of the connection's peer.
func RemoteIP(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a
}
