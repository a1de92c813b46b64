package httpx

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestRedirectToHTTPS(t *testing.T) {
	tests := []struct {
		name      string
		httpsPort string
		method    string
		host      string
		target    string
		want      string // Location; "" means 400
	}{
		{"ok/default-port", "443", "GET", "shop.example", "/cart?x=1&y=%20z", "https://shop.example/cart?x=1&y=%20z"},
		{"ok/custom-port", "8443", "GET", "shop.example", "/", "https://shop.example:8443/"},
		{"ok/drops-plain-port", "8443", "GET", "shop.example:8080", "/a", "https://shop.example:8443/a"},
		{"ok/post-keeps-method-308", "443", "POST", "shop.example", "/checkout", "https://shop.example/checkout"},
		{"ok/ipv4", "443", "GET", "192.0.2.1:80", "/", "https://192.0.2.1/"},
		{"ok/ipv6", "8443", "GET", "[2001:db8::1]:80", "/p", "https://[2001:db8::1]:8443/p"},
		{"ok/ipv6-no-port", "443", "HEAD", "[::1]", "/", "https://[::1]/"},
		{"ok/trailing-dot", "443", "GET", "shop.example.", "/", "https://shop.example./"},
		{"ok/escaped-path", "443", "GET", "shop.example", "/a%2Fb/c%20d", "https://shop.example/a%2Fb/c%20d"},
		{"ok/double-slash-path-stays-on-host", "443", "GET", "shop.example", "//evil.example/x", "https://shop.example//evil.example/x"},
		{"fail/crlf-injection", "443", "GET", "evil.com/\r\nX: y", "/", ""},
		{"fail/space", "443", "GET", "a b", "/", ""},
		{"fail/300-char-host", "443", "GET", strings.Repeat("a", 300), "/", ""},
		{"fail/254-char-host", "443", "GET", strings.Repeat("a.", 126) + "bc", "/", ""},
		{"fail/64-char-label", "443", "GET", strings.Repeat("a", 64) + ".example", "/", ""},
		{"fail/empty", "443", "GET", "", "/", ""},
		{"fail/userinfo", "443", "GET", "user@evil.example", "/", ""},
		{"fail/slash", "443", "GET", "shop.example/evil", "/", ""},
		{"fail/backslash", "443", "GET", `evil.example\shop.example`, "/", ""},
		{"fail/non-numeric-port", "443", "GET", "shop.example:https", "/", ""},
		{"fail/long-port", "443", "GET", "shop.example:123456", "/", ""},
		{"fail/bare-ipv6", "443", "GET", "::1", "/", ""},
		{"fail/ipv6-zone", "443", "GET", "[fe80::1%25eth0]", "/", ""},
		{"fail/ipv4-in-brackets", "443", "GET", "[192.0.2.1]", "/", ""},
		{"fail/numeric-last-label", "443", "GET", "999.1.1.1", "/", ""},
		{"fail/leading-zero-ipv4", "443", "GET", "010.0.0.1", "/", ""},
		{"fail/leading-hyphen", "443", "GET", "-shop.example", "/", ""},
		{"fail/empty-label", "443", "GET", "shop..example", "/", ""},
		{"fail/unicode", "443", "GET", "shöp.example", "/", ""},
		{"fail/nul", "443", "GET", "shop.example\x00.evil", "/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := RedirectToHTTPS(tt.httpsPort)
			req := httptest.NewRequest(tt.method, tt.target, nil)
			req.Host = tt.host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if tt.want == "" {
				if rec.Code != http.StatusBadRequest {
					t.Fatalf("status = %d, want 400", rec.Code)
				}
				if loc := rec.Header().Get("Location"); loc != "" {
					t.Errorf("Location set on 400: %q", loc)
				}
				if tt.host != "" && strings.Contains(rec.Body.String(), tt.host) {
					t.Errorf("400 body reflects the Host header: %q", rec.Body.String())
				}
				return
			}
			if rec.Code != http.StatusPermanentRedirect {
				t.Fatalf("status = %d, want 308", rec.Code)
			}
			if got := rec.Header().Get("Location"); got != tt.want {
				t.Errorf("Location = %q, want %q", got, tt.want)
			}
			if rec.Body.Len() != 0 {
				t.Errorf("body = %q, want empty", rec.Body.String())
			}
			if v := rec.Header().Get("Strict-Transport-Security"); v != "" {
				t.Errorf("HSTS on plain HTTP: %q", v)
			}
		})
	}
}

// A request built in code can carry what net/url would refuse to parse.
func TestRedirectToHTTPSControlInQuery(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.Host = "shop.example"
	req.URL.RawQuery = "a=1\r\nSet-Cookie: x=y"
	rec := httptest.NewRecorder()
	RedirectToHTTPS("443").ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" {
		t.Errorf("got %d Location=%q, want 400 and no Location", rec.Code, rec.Header().Get("Location"))
	}
}

func TestRedirectToHTTPSBadPortPanics(t *testing.T) {
	for _, port := range []string{"", "0", "65536", "-1", "08443", "443 ", "https"} {
		t.Run("fail/"+port, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("RedirectToHTTPS(%q) did not panic", port)
				}
			}()
			RedirectToHTTPS(port)
		})
	}
}

// FuzzRedirectToHTTPS checks that whatever the Host header, the redirect
// never panics, never puts CR or LF in Location, and never sends the client
// to a host other than the one it named.
func FuzzRedirectToHTTPS(f *testing.F) {
	for _, s := range []string{
		"shop.example", "shop.example:8080", "[::1]:80", "192.0.2.1", "evil.com/\r\nX: y",
		"a b", strings.Repeat("a", 300), "user@evil", "[::1]evil", "a:b:c", "shop.example.:1",
		"[fe80::1%eth0]", "x.y/../z", "%65vil.com", "",
	} {
		f.Add(s)
	}
	h := RedirectToHTTPS("8443")
	f.Fuzz(func(t *testing.T, host string) {
		req := httptest.NewRequest("GET", "/p?q=1", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		loc := rec.Header().Get("Location")
		switch rec.Code {
		case http.StatusBadRequest:
			if loc != "" {
				t.Fatalf("400 with Location %q", loc)
			}
			if rec.Body.String() != "bad request\n" {
				t.Fatalf("400 body = %q", rec.Body.String())
			}
			return
		case http.StatusPermanentRedirect:
		default:
			t.Fatalf("status = %d", rec.Code)
		}
		if strings.ContainsAny(loc, "\r\n") {
			t.Fatalf("Location contains CR/LF: %q", loc)
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("Location %q does not parse: %v", loc, err)
		}
		if u.Scheme != "https" || u.Port() != "8443" || u.User != nil || u.Path != "/p" || u.RawQuery != "q=1" {
			t.Fatalf("Location %q is not https://<host>:8443/p?q=1", loc)
		}
		given := host
		if strings.HasPrefix(given, "[") {
			given = given[1:strings.IndexByte(given, ']')]
		} else if i := strings.LastIndexByte(given, ':'); i >= 0 {
			given = given[:i]
		}
		if !strings.EqualFold(u.Hostname(), given) {
			t.Fatalf("Location host %q, Host header %q", u.Hostname(), host)
		}
		if len(given) > maxHostnameLen+1 {
			t.Fatalf("accepted %d-character host", len(given))
		}
	})
}
