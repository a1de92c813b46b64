package httpx

import (
	"net/netip"
	"strings"
)

// maxHostnameLen is the longest DNS name, in its text form without the
// optional trailing dot.
const maxHostnameLen = 253

// splitHost validates a Host header value ("name", "name:port", "1.2.3.4",
// "[::1]:8080") and returns the host part in the form it must take in a
// URL (IPv6 literals keep their brackets). ok is false for anything that
// is not a syntactically valid DNS name or IP literal with an optional
// numeric port: the header is written by the client and must never be
// echoed unchecked into a Location.
func splitHost(hostport string) (host string, ok bool) {
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 || !validPort(hostport[end+1:]) {
			return "", false
		}
		a, err := netip.ParseAddr(hostport[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", false
		}
		return hostport[:end+1], true
	}
	host = hostport
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		if !validPort(hostport[i:]) {
			return "", false
		}
		host = hostport[:i]
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
		return host, true
	}
	if !validHostname(host) {
		return "", false
	}
	return host, true
}

// validPort accepts "" or ":" followed by up to five digits. The value is
// not used, only checked, so its range does not matter.
func validPort(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != ':' || len(s) > 6 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validHostname checks RFC 1123 syntax: dot-separated labels of 1 to 63
// letters, digits and hyphens, not starting or ending with a hyphen, at
// most 253 characters, one optional trailing dot. A name whose last label
// is all digits is refused, as browsers would read it as a (bad) IPv4
// address.
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > maxHostnameLen {
		return false
	}
	allDigits := false
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		allDigits = true
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				allDigits = false
			default:
				return false
			}
		}
	}
	return !allDigits
}
