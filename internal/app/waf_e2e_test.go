package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/store"
)

// Attacks are blocked in the real chain with a 403 that names only the
// request ID, and each block becomes a security event; ordinary traffic
// (every other e2e test) passes the same WAF in block mode.
func TestWAFBlocksAttacks(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	for _, tc := range []struct{ name, method, path, body string }{
		{"fail/sqli-in-form", "POST", "/signin", url.Values{"email": {"x' OR 1=1 --"}, "password": {"' UNION SELECT password FROM accounts --"}}.Encode()},
		{"fail/xss-in-query", "GET", "/?q=<script>alert(document.cookie)</script>", ""},
		{"fail/path-traversal", "GET", "/static/..%2f..%2f..%2fetc%2fpasswd", ""},
		{"fail/scanner-user-agent", "GET", "/", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var req *http.Request
			if tc.body != "" {
				req, _ = http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				req, _ = http.NewRequest(tc.method, s.URL+tc.path, nil)
			}
			if strings.Contains(tc.name, "scanner") {
				req.Header.Set("User-Agent", "sqlmap/1.7")
			}
			resp, body := s.Do(t, req)
			id := resp.Header.Get("X-Request-Id")
			if resp.StatusCode != http.StatusForbidden || id == "" || !strings.Contains(body, id) {
				t.Fatalf("status %d, request id %q in body: %v", resp.StatusCode, id, strings.Contains(body, id))
			}
			// The request ID is random hex and may contain a rule number.
			rest := strings.ReplaceAll(body, id, "")
			for _, leak := range []string{"942", "941", "930", "913", "OWASP", "anomaly"} {
				if strings.Contains(rest, leak) {
					t.Fatalf("block page reveals %q", leak)
				}
			}
		})
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		entries, _ := audit.Recent(t.Context(), s.DB(), 50)
		n := 0
		for _, e := range entries {
			if e.Action == "guard.waf_match" {
				n++
			}
		}
		if n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d WAF events in the audit outbox, want 4", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var accounts int
	s.DB().QueryRow(t.Context(), `SELECT count(*) FROM accounts`).Scan(&accounts)
	if accounts != 0 {
		t.Fatal("a blocked request changed data")
	}
}
