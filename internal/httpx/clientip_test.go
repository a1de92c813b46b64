package httpx

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	tests := []struct {
		name   string
		remote string
		xff    string
		want   string
	}{
		{"ok/ipv4", "192.0.2.7:1234", "", "192.0.2.7"},
		{"ok/ipv6", "[2001:db8::7]:1234", "", "2001:db8::7"},
		{"ok/ipv4-mapped", "[::ffff:192.0.2.7]:1234", "", "192.0.2.7"},
		{"ok/no-port", "192.0.2.7", "", "192.0.2.7"},
		{"fail/xff-ignored", "192.0.2.7:1234", "203.0.113.9", "192.0.2.7"},
		{"fail/garbage", "not-an-address", "", ""},
		{"fail/empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := ClientIP(r); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClientIPFunc(t *testing.T) {
	trusted := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("2001:db8:ffff::/48"),
		netip.MustParsePrefix("172.16.5.9/12"), // unmasked on purpose
		{},                                     // invalid: ignored
	}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{"ok/no-proxy-list", nil, "192.0.2.7:1", []string{"203.0.113.9"}, "192.0.2.7"},
		{"ok/direct-client", trusted, "192.0.2.7:1", nil, "192.0.2.7"},
		{"ok/behind-proxy", trusted, "10.1.2.3:1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"ok/behind-two-proxies", trusted, "10.1.2.3:1", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"ok/header-lines-joined", trusted, "10.1.2.3:1", []string{"203.0.113.9", "10.9.9.9"}, "203.0.113.9"},
		{"ok/ipv6-proxy", trusted, "[2001:db8:ffff::1]:1", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"ok/unmasked-prefix", trusted, "172.17.0.1:1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"ok/all-trusted", trusted, "10.1.2.3:1", []string{"10.4.4.4"}, "10.4.4.4"},
		{"fail/spoofed-leftmost-ignored", trusted, "10.1.2.3:1", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"fail/untrusted-peer-xff-ignored", trusted, "192.0.2.7:1", []string{"10.1.1.1"}, "192.0.2.7"},
		{"fail/garbage-hop-stops", trusted, "10.1.2.3:1", []string{"203.0.113.9, garbage"}, "10.1.2.3"},
		{"fail/garbage-after-trusted-hop", trusted, "10.1.2.3:1", []string{"evil, 10.9.9.9"}, "10.9.9.9"},
		{"fail/empty-hop", trusted, "10.1.2.3:1", []string{"203.0.113.9,"}, "10.1.2.3"},
		{"fail/zone-hop", trusted, "10.1.2.3:1", []string{"fe80::1%eth0"}, "10.1.2.3"},
		{"fail/bad-remote", trusted, "garbage", []string{"203.0.113.9"}, "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIPFunc(tt.trusted)(r).String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// The caller's slice is copied: changing it later changes nothing.
func TestClientIPFuncCopiesPrefixes(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f := ClientIPFunc(trusted)
	trusted[0] = netip.MustParsePrefix("0.0.0.0/0")
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.7:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := f(r).String(); got != "192.0.2.7" {
		t.Errorf("got %s, want 192.0.2.7", got)
	}
}
