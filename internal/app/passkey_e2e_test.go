package app_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/identity/passkey/passkeytest"
	"github.com/citadel-store/citadel/internal/store"
)

// ceremony POSTs to an options endpoint with the page's CSRF token, lets
// the software authenticator answer, and POSTs the answer to action.
func ceremony(t *testing.T, s *apptest.Server, c *http.Client, page, optionsURL, action string,
	answer func(opts []byte) ([]byte, error), extra url.Values) *http.Response {
	t.Helper()
	resp, body := form(t, s, c, page, optionsURL, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("options %s: %d %s", optionsURL, resp.StatusCode, body)
	}
	var o struct {
		Options json.RawMessage `json:"options"`
		State   string          `json:"state"`
	}
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatal(err)
	}
	answerJSON, err := answer(o.Options)
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{"state": {o.State}, "response": {string(answerJSON)}}
	for k, vs := range extra {
		v[k] = vs
	}
	resp, _ = form(t, s, c, page, action, v)
	return resp
}

// Register a passkey (after a step-up), then sign in without a password,
// and with password plus passkey as the second factor; a response from
// another origin is refused.
func TestPasskeyJourneyOverHTTPS(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	_, port, _ := net.SplitHostPort(s.Addr())
	origin := "https://localhost:" + port
	auth := passkeytest.New(origin)
	c := s.NewClient(nil)
	const email, pw = "keys@example.com", "violet otter ladder 42"
	signUp(t, s, c, email, pw)
	form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}})
	form(t, s, c, "/account/stepup", "/account/stepup/email", nil)
	form(t, s, c, "/account/stepup", "/account/stepup", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}})

	resp := ceremony(t, s, c, "/account/passkeys", "/account/passkeys/options", "/account/passkeys",
		func(o []byte) ([]byte, error) { r, _, err := auth.Register(o); return r, err }, url.Values{"name": {"test key"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/passkeys" {
		t.Fatalf("register: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Passwordless.
	c2 := s.NewClient(nil)
	resp = ceremony(t, s, c2, "/signin", "/signin/passkey/options", "/signin/passkey",
		func(o []byte) ([]byte, error) { return auth.Assert(o) }, nil)
	if resp.Header.Get("Location") != "/account" {
		t.Fatalf("passwordless: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r, _ := do(t, c2, "GET", s.URL+"/account", nil); r.StatusCode != 200 {
		t.Fatalf("account after passwordless: %d", r.StatusCode)
	}

	// Password, then the passkey as second factor.
	c3 := s.NewClient(nil)
	if r, _ := form(t, s, c3, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}}); r.Header.Get("Location") != "/signin/mfa" {
		t.Fatalf("password with a passkey on file went to %q", r.Header.Get("Location"))
	}
	resp = ceremony(t, s, c3, "/signin/mfa", "/signin/mfa/passkey/options", "/signin/mfa/passkey",
		func(o []byte) ([]byte, error) { return auth.Assert(o) }, nil)
	if resp.Header.Get("Location") != "/account" {
		t.Fatalf("passkey second factor: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// fail/wrong-origin
	c4 := s.NewClient(nil)
	resp = ceremony(t, s, c4, "/signin", "/signin/passkey/options", "/signin/passkey",
		func(o []byte) ([]byte, error) { return auth.Assert(o, passkeytest.WithOrigin("https://evil.example")) }, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong origin: %d", resp.StatusCode)
	}
	// The refused ceremony signed nobody in.
	if r, _ := do(t, c4, "GET", s.URL+"/account", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("account after a refused passkey: %d", r.StatusCode)
	}
	// The page serves its script from our origin.
	if r, body := do(t, c, "GET", s.URL+"/static/passkey.js", nil); r.StatusCode != 200 || len(body) < 100 {
		t.Fatalf("passkey.js: %d", r.StatusCode)
	}
}

// An organization that requires a passkey: once a member has one, codes
// no longer pass as the second factor; the passkey does.
func TestOrgRequiresPasskey(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	_, port, _ := net.SplitHostPort(s.Addr())
	auth := passkeytest.New("https://localhost:" + port)
	data := s.Config.Data
	const email, pw = "hw@corp.example", "violet otter ladder 42"
	c := s.NewClient(nil)
	signUp(t, s, c, email, pw)
	_, org, _ := run(nil, "org", "create", "--data", data, "--name", "Corp", "--require-passkey")
	if code, _, stderr := run(nil, "org", "add-member", "--data", data, "--org", strings.TrimSpace(org), "--email", email); code != 0 {
		t.Fatal(stderr)
	}
	// Before any passkey: codes still work, so the member can enrol one.
	form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}})
	form(t, s, c, "/signin/mfa", "/signin/mfa/email", nil)
	if r, _ := form(t, s, c, "/signin/mfa", "/signin/mfa", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}}); r.Header.Get("Location") != "/account" {
		t.Fatalf("bootstrap sign-in: %d", r.StatusCode)
	}
	form(t, s, c, "/account/stepup", "/account/stepup/email", nil)
	form(t, s, c, "/account/stepup", "/account/stepup", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}})
	ceremony(t, s, c, "/account/passkeys", "/account/passkeys/options", "/account/passkeys",
		func(o []byte) ([]byte, error) { r, _, err := auth.Register(o); return r, err }, url.Values{"name": {"yubikey"}})

	c2 := s.NewClient(nil)
	form(t, s, c2, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}})
	form(t, s, c2, "/signin/mfa", "/signin/mfa/email", nil)
	// fail/code-instead-of-passkey
	if r, _ := form(t, s, c2, "/signin/mfa", "/signin/mfa", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("email code for a passkey-only org: %d", r.StatusCode)
	}
	resp := ceremony(t, s, c2, "/signin/mfa", "/signin/mfa/passkey/options", "/signin/mfa/passkey",
		func(o []byte) ([]byte, error) { return auth.Assert(o) }, nil)
	if resp.Header.Get("Location") != "/account" {
		t.Fatalf("passkey: %d", resp.StatusCode)
	}
}
