package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// form GETs a page, then POSTs fields to action with the page's CSRF token.
func form(t testing.TB, s *apptest.Server, c *http.Client, page, action string, fields url.Values) (*http.Response, string) {
	t.Helper()
	resp, body := do(t, c, "GET", s.URL+page, nil)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET %s (%d): no CSRF field", page, resp.StatusCode)
	}
	if fields == nil {
		fields = url.Values{}
	}
	fields.Set("csrf", m[1])
	return do(t, c, "POST", s.URL+action, fields)
}

func do(t testing.TB, c *http.Client, method, u string, fields url.Values) (*http.Response, string) {
	t.Helper()
	var req *http.Request
	if fields != nil {
		req, _ = http.NewRequest(method, u, strings.NewReader(fields.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, _ = http.NewRequest(method, u, nil)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, b.String()
}

func linkPath(t testing.TB, s *apptest.Server, to, path string) string {
	t.Helper()
	return linkPathAfter(t, s, to, path, 0)
}

// mailsTo counts the messages received for an address so far.
func mailsTo(s *apptest.Server, to string) int {
	n := 0
	for _, m := range s.Mail.Messages() {
		if m.To[0] == to {
			n++
		}
	}
	return n
}

// linkPathAfter waits for a message to the address beyond the first skip
// ones that carries a link to path, and returns the newest such link.
func linkPathAfter(t testing.TB, s *apptest.Server, to, path string, skip int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var mine []int
		msgs := s.Mail.Messages()
		for i, m := range msgs {
			if m.To[0] == to {
				mine = append(mine, i)
			}
		}
		for k := len(mine) - 1; k >= skip; k-- { // newest first
			if l := msgs[mine[k]].Link("https://"); l != "" && strings.Contains(l, path+"?token=") {
				u, err := url.Parse(l)
				if err != nil {
					t.Fatal(err)
				}
				return u.RequestURI()
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s link mailed to %s", path, to)
	return ""
}

// The whole account life in the browser's shape, over verified HTTPS, on
// both engines: register, confirm by email, sign in, see the account,
// refuse CSRF-less and cross-site posts, sign out, and refuse the old cookie.
func TestAccountJourneyOverHTTPS(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			s := apptest.StartEngine(t, e)
			c := s.NewClient(nil)
			const email, pw = "shopper@example.com", "violet otter ladder 42"

			resp, body := form(t, s, c, "/register", "/register", url.Values{"email": {email}, "password": {"password1234"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "too common") {
				t.Fatalf("weak password: %d", resp.StatusCode)
			}
			resp, body = form(t, s, c, "/register", "/register", url.Values{"email": {email}, "password": {pw}})
			if resp.StatusCode != 200 || !strings.Contains(body, "Check your email") {
				t.Fatalf("register: %d %s", resp.StatusCode, body)
			}
			verify := linkPath(t, s, email, "/verify")
			// Opening the link alone changes nothing (mail scanners prefetch).
			do(t, c, "GET", s.URL+verify, nil)
			resp, _ = form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("sign-in before confirming: %d", resp.StatusCode)
			}
			u, _ := url.Parse(verify)
			resp, body = form(t, s, c, verify, "/verify", url.Values{"token": {u.Query().Get("token")}})
			if resp.StatusCode != 200 || !strings.Contains(body, "confirmed") {
				t.Fatalf("verify: %d", resp.StatusCode)
			}
			resp, _ = form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {"wrong password here"}})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", resp.StatusCode)
			}
			resp, _ = form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
				t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			var session *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "__Host-session" {
					session = ck
				}
			}
			if session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
				t.Fatalf("session cookie %+v", session)
			}
			resp, body = do(t, c, "GET", s.URL+"/account", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, email) || !strings.Contains(body, "this device") {
				t.Fatalf("account page: %d", resp.StatusCode)
			}

			// fail/csrf-less-signout: refused, session still good.
			resp, _ = do(t, c, "POST", s.URL+"/signout", url.Values{})
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("CSRF-less sign-out = %d", resp.StatusCode)
			}
			// fail/cross-site-post: refused before any handler.
			req, _ := http.NewRequest("POST", s.URL+"/signout", strings.NewReader("csrf=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if resp, _ := s.Do(t, req); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-site POST = %d", resp.StatusCode)
			}
			// fail/other-users-session-handle: revoking a handle not ours is 404.
			resp, _ = form(t, s, c, "/account", "/account/sessions/ses_aaaaaaaaaaaaaaaaaaaaaaaaaa/revoke", nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("revoke unknown session = %d", resp.StatusCode)
			}

			resp, _ = form(t, s, c, "/account", "/signout", nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-out: %d", resp.StatusCode)
			}
			// fail/cookie-after-signout: the old cookie no longer opens the account.
			fresh := s.NewClient(nil)
			req, _ = http.NewRequest("GET", s.URL+"/account", nil)
			req.AddCookie(&http.Cookie{Name: "__Host-session", Value: session.Value})
			resp, err := fresh.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
				t.Fatalf("old cookie after sign-out: %d", resp.StatusCode)
			}

			// Nothing personal in clear in the database: the email is sealed.
			var n int
			s.DB().QueryRow(context.Background(), `SELECT count(*) FROM accounts`).Scan(&n)
			if n != 1 {
				t.Fatalf("%d accounts", n)
			}
		})
	}
}

func TestUserCreateCommand(t *testing.T) {
	data := t.TempDir()
	code, stdout, stderr := run(nil, "user", "create", "--data", data, "--email", "root@example.com", "--role", "platform_admin")
	if code != 0 || !strings.Contains(stdout, "/enrol?token=") {
		t.Fatalf("user create: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := run(nil, "user", "grant", "--data", data, "--email", "root@example.com", "--role", "auditor"); code != 0 {
		t.Fatalf("grant: %s", stderr)
	}
	if code, _, stderr := run(nil, "user", "remove-role", "--data", data, "--email", "root@example.com", "--role", "auditor"); code != 0 {
		t.Fatalf("remove-role: %s", stderr)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"fail/unknown-role", []string{"user", "create", "--data", data, "--email", "a@example.com", "--role", "root"}},
		{"fail/bad-email", []string{"user", "create", "--data", data, "--email", "nope", "--role", "support"}},
		{"fail/duplicate", []string{"user", "create", "--data", data, "--email", "root@example.com", "--role", "support"}},
		{"fail/grant-again", []string{"user", "grant", "--data", data, "--email", "root@example.com", "--role", "platform_admin"}},
		{"fail/remove-absent-role", []string{"user", "remove-role", "--data", data, "--email", "root@example.com", "--role", "auditor"}},
		{"fail/grant-unknown-account", []string{"user", "grant", "--data", data, "--email", "nobody@example.com", "--role", "auditor"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, _ := run(nil, tc.args...); code == 0 {
				t.Fatal("succeeded")
			}
		})
	}
}

var demoRe = regexp.MustCompile(`customer\s+shopper@demo\.citadel\.test\s+([a-z2-9-]{23})`)

// --demo prints working demo accounts; a second start keeps them and
// prints no password.
func TestDemoAccounts(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	cfg.Demo = true
	s := apptest.Start(t, cfg)
	m := demoRe.FindStringSubmatch(s.Stdout.String())
	if m == nil {
		t.Fatalf("no demo shopper in the banner:\n%s", s.Stdout.String())
	}
	c := s.NewClient(nil)
	if r, _ := form(t, s, c, "/signin", "/signin", url.Values{"email": {"shopper@demo.citadel.test"}, "password": {m[1]}}); r.Header.Get("Location") != "/account" {
		t.Fatalf("demo shopper sign-in: %d", r.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Shutdown(ctx)
	s2 := apptest.Start(t, cfg)
	if demoRe.MatchString(s2.Stdout.String()) {
		t.Fatal("the password was printed again on the second start")
	}
}
