package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
)

var (
	keyRe  = regexp.MustCompile(`Key: <code>([A-Z2-7 ]+)</code>`)
	mailRe = regexp.MustCompile(`code is (\d{6})`)
)

func mailedCode(t testing.TB, s *apptest.Server, to string) string {
	t.Helper()
	msgs := s.Mail.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := mailRe.FindStringSubmatch(msgs[i].Body); m != nil && msgs[i].To[0] == to {
			return m[1]
		}
	}
	t.Fatalf("no code mailed to %s", to)
	return ""
}

// signUp registers and confirms an account through the pages.
func signUp(t testing.TB, s *apptest.Server, c *http.Client, email, pw string) {
	t.Helper()
	before := mailsTo(s, email)
	form(t, s, c, "/register", "/register", url.Values{"email": {email}, "password": {pw}})
	verify := linkPathAfter(t, s, email, "/verify", before)
	u, _ := url.Parse(verify)
	if resp, _ := form(t, s, c, verify, "/verify", url.Values{"token": {u.Query().Get("token")}}); resp.StatusCode != 200 {
		t.Fatalf("verify: %d", resp.StatusCode)
	}
}

// Enrol an authenticator app through the pages (with an emailed step-up),
// then sign in with password and TOTP; the replayed code is refused.
func TestTOTPJourneyOverHTTPS(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	c := s.NewClient(nil)
	const email, pw = "totp.user@example.com", "violet otter ladder 42"
	signUp(t, s, c, email, pw)
	if resp, _ := form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}}); resp.Header.Get("Location") != "/account" {
		t.Fatalf("first sign-in went to %q", resp.Header.Get("Location"))
	}
	// Setting up a factor first asks for a step-up.
	resp, _ := form(t, s, c, "/account/security", "/account/totp/begin", nil)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/account/stepup") {
		t.Fatalf("begin without step-up went to %q", loc)
	}
	form(t, s, c, "/account/stepup", "/account/stepup/email", url.Values{"next": {"/account/security"}})
	resp, _ = form(t, s, c, "/account/stepup", "/account/stepup", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}, "next": {"//evil.example/"}})
	if resp.Header.Get("Location") != "/account/security" {
		t.Fatalf("step-up redirect %q (an off-site next must be ignored)", resp.Header.Get("Location"))
	}
	resp, _ = form(t, s, c, "/account/security", "/account/totp/begin", nil)
	if resp.Header.Get("Location") != "/account/totp" {
		t.Fatalf("begin: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := do(t, c, "GET", s.URL+"/account/totp", nil)
	m := keyRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no key on the enrolment page")
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	if resp, body := do(t, c, "GET", s.URL+"/account/totp/qr.png", nil); resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(body, "\x89PNG") {
		t.Fatalf("QR: %s", resp.Header.Get("Content-Type"))
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	resp, body := form(t, s, c, "/account/totp", "/account/totp/confirm", url.Values{"code": {code}})
	if resp.StatusCode != 200 || strings.Count(body, "<li><code>") != 10 {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}

	c2 := s.NewClient(nil)
	resp, _ = form(t, s, c2, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}})
	if resp.Header.Get("Location") != "/signin/mfa" {
		t.Fatalf("sign-in with TOTP went to %q", resp.Header.Get("Location"))
	}
	// fail/pending-session-opens-nothing
	if resp, _ := do(t, c2, "GET", s.URL+"/account", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("account with a half-done sign-in: %d", resp.StatusCode)
	}
	code, _ = totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	resp, _ = form(t, s, c2, "/signin/mfa", "/signin/mfa", url.Values{"method": {"totp"}, "code": {code}})
	if resp.Header.Get("Location") != "/account" {
		t.Fatalf("second factor: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := do(t, c2, "GET", s.URL+"/account", nil); resp.StatusCode != 200 || !strings.Contains(body, email) {
		t.Fatalf("account after TOTP: %d", resp.StatusCode)
	}
	// Step-up for a password change: the TOTP sign-in just verified a
	// factor, so the change goes through; it signs the other sessions out.
	resp, body = form(t, s, c2, "/account/password", "/account/password", url.Values{"current": {pw}, "password": {"a new and longer passphrase"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "password is changed") {
		t.Fatalf("password change: %d", resp.StatusCode)
	}
	if r, _ := do(t, c, "GET", s.URL+"/account", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the first session survived the password change: %d", r.StatusCode)
	}
	const newPW = "a new and longer passphrase"
	// fail/replayed-totp over the pages.
	c3 := s.NewClient(nil)
	form(t, s, c3, "/signin", "/signin", url.Values{"email": {email}, "password": {newPW}})
	if resp, _ := form(t, s, c3, "/signin/mfa", "/signin/mfa", url.Values{"method": {"totp"}, "code": {code}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed TOTP: %d", resp.StatusCode)
	}
}
