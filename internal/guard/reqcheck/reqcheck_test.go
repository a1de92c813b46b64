package reqcheck

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestProblem(t *testing.T) {
	for _, tc := range []struct {
		name, method, target, host, want string
	}{
		{"ok/plain", "GET", "/products/42?x=1", "shop.example", ""},
		{"ok/port", "GET", "/", "shop.example:8443", ""},
		{"ok/ipv4", "GET", "/", "127.0.0.1:80", ""},
		{"ok/ipv6", "GET", "/", "[::1]:8080", ""},
		{"ok/colon-in-path", "GET", "/a:b", "shop.example", ""},
		{"ok/connect-authority", "CONNECT", "1.2.3.4:80", "localhost", ""},
		{"fail/connect-without-port", "CONNECT", "www.example.org", "localhost", "bad-connect-target"},
		{"fail/connect-path", "CONNECT", "/", "localhost", "bad-connect-target"},
		{"fail/fragment", "GET", "/#frag", "shop.example", "fragment-in-target"},
		{"fail/nul-in-target", "GET", "/a\x00b", "shop.example", "control-byte-in-target"},
		{"fail/empty-host", "GET", "/", "", "bad-host"},
		{"fail/percent-in-host", "GET", "/", "localhost%00", "bad-host"},
		{"fail/control-in-host", "GET", "/", "local\x1fhost", "bad-host"},
		{"fail/empty-port", "GET", "/", "shop.example:", "bad-host"},
		{"fail/long-port", "GET", "/", "shop.example:123456", "bad-host"},
		{"fail/unclosed-ipv6", "GET", "/", "[::1", "bad-host"},
		{"fail/ipv6-junk", "GET", "/", "[::1;x]", "bad-host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{Method: tc.method, RequestURI: tc.target, Host: tc.host}
			if got := Problem(r); got != tc.want {
				t.Fatalf("Problem = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMiddlewareRefuses(t *testing.T) {
	reached := false
	h := Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "localhost%00"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusBadRequest || reached {
		t.Fatalf("fail/bad-host: status %d, handler reached %v", rec.Code, reached)
	}
}
