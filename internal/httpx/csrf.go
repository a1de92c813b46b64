package httpx

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"net/http"
)

// CSRFCookie holds the per-browser CSRF secret. The __Host- prefix means
// only this origin, over HTTPS, with Path=/, can set it: a sibling
// subdomain cannot plant a value of its own.
const CSRFCookie = "__Host-csrf"

// CSRFField is the hidden form field that must echo the cookie.
const CSRFField = "csrf"

// CSRFToken returns the browser's CSRF token, setting the cookie when the
// request has none (or a malformed one). Forms embed it in CSRFField.
func CSRFToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(CSRFCookie); err == nil && validCSRF(c.Value) {
		return c.Value
	}
	return NewCSRFToken(w)
}

// NewCSRFToken sets a fresh CSRF cookie (at sign-in, so a token seen
// before sign-in is worthless after) and returns it.
func NewCSRFToken(w http.ResponseWriter) string {
	b := make([]byte, 32)
	rand.Read(b)
	tok := csrfEncoding().EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: tok, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return tok
}

// csrfEncoding is lower-case base32: letters and digits only. Base64url's
// "-" and "_" let one token in about 15,000 start like SQL ("5--uVE...":
// a number and a comment), which the WAF's SQL-injection rules rightly
// refuse, locking that browser out of every form.
func csrfEncoding() *base32.Encoding {
	return base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
}

func validCSRF(s string) bool {
	if len(s) != 52 {
		return false
	}
	_, err := csrfEncoding().DecodeString(s)
	return err == nil
}

// CheckCSRF reports whether a state-changing form request carries the
// CSRF field equal to its cookie (compared in constant time). Call it
// after ParseForm.
func CheckCSRF(r *http.Request) bool {
	c, err := r.Cookie(CSRFCookie)
	if err != nil || !validCSRF(c.Value) {
		return false
	}
	f := r.PostFormValue(CSRFField)
	return len(f) == len(c.Value) && subtle.ConstantTimeCompare([]byte(f), []byte(c.Value)) == 1
}

// CrossOrigin refuses cross-origin state-changing requests (by
// Sec-Fetch-Site, else Origin against Host) before any handler runs: the
// first of two CSRF defences, the token being the second.
func CrossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	return cop.Handler(next)
}
