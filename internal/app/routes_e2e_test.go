package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/web"
)

// Over HTTPS, every non-public route sends a guest to sign in and changes
// nothing; malformed and oversized bodies get 4xx, never 5xx.
func TestNonPublicRoutesRefuseGuests(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	table := web.New(nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil).Table()
	for _, rt := range table {
		if rt.Public {
			continue
		}
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = strings.ReplaceAll(path, "{handle}", "ses_aaaaaaaaaaaaaaaaaaaaaaaaaa")
		path = strings.ReplaceAll(path, "{id}", "tok_aaaaaaaaaaaaaaaaaaaaaaaaaa")
		path = strings.ReplaceAll(path, "{index}", "0")
		t.Run("fail/guest"+strings.ReplaceAll(path, "/", "-"), func(t *testing.T) {
			var req *http.Request
			if method == "GET" {
				req, _ = http.NewRequest(method, s.URL+path, nil)
			} else {
				req, _ = http.NewRequest(method, s.URL+path, strings.NewReader("csrf=x"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, _ := s.Do(t, req)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
				t.Fatalf("%s %s as guest = %d %q", method, path, resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
	for _, tc := range []struct {
		name, path, ctype, body string
		want                    int
	}{
		{"fail/bad-percent-encoding", "/signin", "application/x-www-form-urlencoded", "email=%zz&password=x", http.StatusBadRequest},
		{"fail/no-csrf", "/register", "application/x-www-form-urlencoded", "email=a@example.com&password=violet+otter+ladder+42", http.StatusForbidden},
		{"fail/oversized-form", "/signin", "application/x-www-form-urlencoded", "email=" + strings.Repeat("a", 2<<20), http.StatusRequestEntityTooLarge},
		{"fail/invalid-utf8", "/signin", "application/x-www-form-urlencoded", "email=%ff%fe&password=%ff", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", s.URL+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			resp, _ := s.Do(t, req)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	var n int
	s.DB().QueryRow(t.Context(), `SELECT count(*) FROM accounts`).Scan(&n)
	if n != 0 {
		t.Fatalf("refused requests created %d accounts", n)
	}
}
