package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
)

var (
	secretRe  = regexp.MustCompile(`<code>(cit_pat_[A-Z2-7]+)</code>`)
	revokeRe  = regexp.MustCompile(`action="(/account/tokens/tok_[a-z2-7]+/revoke)"`)
	errBodyRe = regexp.MustCompile(`^\{"error":\{"code":"[a-z_]+","message":"[^"]+"\}\}\n?$`)
)

func apiGet(t *testing.T, s *apptest.Server, path, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.Do(t, req)
}

// A personal access token: created after a step-up, shown once, usable
// only for its scopes, refused once revoked.
func TestAPITokenLifecycle(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	c := s.NewClient(nil)
	const email, pw = "dev@example.com", "violet otter ladder 42"
	signUp(t, s, c, email, pw)
	form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}})

	resp, _ := form(t, s, c, "/account/tokens", "/account/tokens", url.Values{"name": {"ci"}, "days": {"30"}, "scope": {"account.read_self"}})
	if !strings.HasPrefix(resp.Header.Get("Location"), "/account/stepup") {
		t.Fatalf("token without step-up: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// fail/sms-code-without-a-phone: a clear refusal, not an error.
	if r, _ := form(t, s, c, "/account/stepup", "/account/stepup/sms", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("SMS code without a phone: %d", r.StatusCode)
	}
	form(t, s, c, "/account/stepup", "/account/stepup/email", nil)
	form(t, s, c, "/account/stepup", "/account/stepup", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}})

	for _, tc := range []struct{ name, days, scope string }{
		{"fail/too-long", "365", "account.read_self"},
		{"fail/foreign-scope", "30", "guard.block"},
		{"fail/no-scope", "30", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := url.Values{"name": {"x"}, "days": {tc.days}}
			if tc.scope != "" {
				v.Set("scope", tc.scope)
			}
			if resp, _ := form(t, s, c, "/account/tokens", "/account/tokens", v); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
	resp, body := form(t, s, c, "/account/tokens", "/account/tokens", url.Values{"name": {"ci"}, "days": {"30"}, "scope": {"account.read_self"}})
	m := secretRe.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	token := m[1]
	if _, page := do(t, c, "GET", s.URL+"/account/tokens", nil); strings.Contains(page, token) {
		t.Fatal("the token is shown again")
	}

	resp, body = apiGet(t, s, "/api/v1/me", token)
	var me map[string]any
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &me) != nil || me["email"] != email {
		t.Fatalf("GET /api/v1/me: %d %s", resp.StatusCode, body)
	}
	for _, tc := range []struct{ name, path, token string }{
		{"fail/no-token", "/api/v1/me", ""},
		{"fail/wrong-token", "/api/v1/me", "cit_pat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"fail/not-a-token", "/api/v1/me", "hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := apiGet(t, s, tc.path, tc.token)
			if resp.StatusCode != http.StatusUnauthorized || !errBodyRe.MatchString(body) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}
	if resp, body := apiGet(t, s, "/api/v1/nope", token); resp.StatusCode != 404 || !errBodyRe.MatchString(body) {
		t.Fatalf("unknown API route: %d %s", resp.StatusCode, body)
	}
	_, page := do(t, c, "GET", s.URL+"/account/tokens", nil)
	rv := revokeRe.FindStringSubmatch(page)
	if rv == nil {
		t.Fatal("no revoke form")
	}
	form(t, s, c, "/account/tokens", rv[1], nil)
	if resp, _ := apiGet(t, s, "/api/v1/me", token); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", resp.StatusCode)
	}
}
