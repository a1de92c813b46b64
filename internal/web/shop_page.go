package web

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// errorPage shows a message on the error page, with the header of the
// shopper's session.
func (p *Pages) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	pg := p.newPage(w, r, title)
	pg.Error = msg
	p.render(w, status, "error.html", pg)
}

// capitalise upper-cases the first letter of a domain error message,
// which is written to follow "cart: " or to stand alone in lower case.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// formText reads a posted text field, trimmed; over limit bytes it is
// dropped (and not shown again) and ok is false.
func formText(r *http.Request, name string, limit int) (string, bool) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if len(v) > limit || !utf8.ValidString(v) {
		return "", false
	}
	return v, true
}
