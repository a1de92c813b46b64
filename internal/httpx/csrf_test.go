package httpx

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCSRF(t *testing.T) {
	rec := httptest.NewRecorder()
	tok := CSRFToken(rec, httptest.NewRequest("GET", "/", nil))
	cookie := rec.Result().Cookies()[0]
	if cookie.Name != CSRFCookie || !cookie.Secure || !cookie.HttpOnly || cookie.Value != tok {
		t.Fatalf("cookie %+v", cookie)
	}
	post := func(field string, withCookie bool) *http.Request {
		r := httptest.NewRequest("POST", "/", strings.NewReader(url.Values{CSRFField: {field}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if withCookie {
			r.AddCookie(cookie)
		}
		r.ParseForm()
		return r
	}
	if !CheckCSRF(post(tok, true)) {
		t.Fatal("matching token refused")
	}
	// Letters and digits only: nothing a SQL or XSS rule can read as
	// syntax (base64url's "--" once looked like a SQL comment to the WAF).
	if strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		t.Fatalf("token %q has characters outside lower-case base32", tok)
	}
	for name, r := range map[string]*http.Request{
		"fail/no-field":    post("", true),
		"fail/wrong-field": post(strings.Repeat("a", 52), true),
		"fail/old-base64":  post(strings.Repeat("A", 43), true),
		"fail/no-cookie":   post(tok, false),
		"fail/short-cookie": func() *http.Request {
			r := post("x", false)
			r.AddCookie(&http.Cookie{Name: CSRFCookie, Value: "x"})
			return r
		}(),
	} {
		if CheckCSRF(r) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCrossOriginRefused(t *testing.T) {
	h := CrossOrigin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	r := httptest.NewRequest("POST", "https://shop.test/signin", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d", rec.Code)
	}
	r = httptest.NewRequest("POST", "https://shop.test/signin", nil)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 204 {
		t.Fatalf("same-origin POST = %d", rec.Code)
	}
}
