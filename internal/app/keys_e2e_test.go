package app_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
)

// Rotating the confidential class beside a running server re-encrypts
// every sealed row; sign-in (email lookup and decryption) still works.
func TestKeysRotateCommand(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	c := s.NewClient(nil)
	const email, pw = "rotate@example.com", "violet otter ladder 42"
	signUp(t, s, c, email, pw)
	data := s.Config.Data
	code, out, stderr := run(nil, "keys", "rotate", "--data", data, "--class", "confidential", "--settle", "0")
	if code != 0 {
		t.Fatalf("keys rotate: %s %s", out, stderr)
	}
	code, out, _ = run(nil, "keys", "status", "--data", data)
	if code != 0 || !strings.Contains(out, "confidential") || !strings.Contains(out, "2 (current)") {
		t.Fatalf("keys status:\n%s", out)
	}
	for _, tc := range []struct{ name, class string }{{"fail/rotate-public", "public"}, {"fail/unknown-class", "secretish"}} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, _ := run(nil, "keys", "rotate", "--data", data, "--class", tc.class, "--settle", "0"); code == 0 {
				t.Fatal("accepted")
			}
		})
	}
	if resp, _ := form(t, s, s.NewClient(nil), "/signin", "/signin", url.Values{"email": {email}, "password": {pw}}); resp.Header.Get("Location") != "/account" {
		t.Fatalf("sign-in after rotation: %d", resp.StatusCode)
	}
}
