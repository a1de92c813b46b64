package httpx

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the IP address of the peer that opened the connection,
// from r.RemoteAddr, or "" if it cannot be parsed. It never looks at
// X-Forwarded-For: without a known proxy in front, that header is whatever
// the client wants it to be.
func ClientIP(r *http.Request) string {
	a := remoteAddr(r)
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// ClientIPFunc returns a function finding the client's address behind the
// given trusted proxies. When the connection comes from a trusted proxy,
// X-Forwarded-For is read from right to left and the first address not in
// trusted is the client: every hop to its right was added by a proxy we
// trust, every hop to its left could have been written by the client.
// With no trusted prefixes it is ClientIP, typed.
//
// The returned address is invalid (IsValid false) only if RemoteAddr is
// unparseable.
func ClientIPFunc(trusted []netip.Prefix) func(*http.Request) netip.Addr {
	prefixes := make([]netip.Prefix, 0, len(trusted))
	for _, p := range trusted {
		if p.IsValid() {
			prefixes = append(prefixes, p.Masked())
		}
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) netip.Addr {
		client := remoteAddr(r)
		if !client.IsValid() || !isTrusted(client) {
			return client
		}
		hops := r.Header.Values("X-Forwarded-For")
		for i := len(hops) - 1; i >= 0; i-- {
			parts := strings.Split(hops[i], ",")
			for j := len(parts) - 1; j >= 0; j-- {
				a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
				if err != nil || a.Zone() != "" {
					// A hop we cannot read ends the chain of trust: the
					// last address we could vouch for is the answer.
					return client
				}
				client = a.Unmap()
				if !isTrusted(client) {
					return client
				}
			}
		}
		return client
	}
}

func remoteAddr(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}
