package app_test

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
)

// TestParanoiaLevel2Report runs an account journey with the WAF in
// detect mode at paranoia level 2 and reports which of our own requests
// would trip it (docs/waf-paranoia.md keeps the last report). It fails
// only if the journey itself breaks: at PL2 in detect mode nothing is
// blocked, and the point is the list.
func TestParanoiaLevel2Report(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	cfg.WAFMode, cfg.WAFParanoia = "detect", 2
	s := apptest.Start(t, cfg)
	c := s.NewClient(nil)
	const email, pw = "pl2@example.com", "violet otter ladder 42"
	signUp(t, s, c, email, pw)
	if r, _ := form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}}); r.Header.Get("Location") != "/account" {
		t.Fatalf("sign-in at PL2 detect: %d", r.StatusCode)
	}
	form(t, s, c, "/account/stepup", "/account/stepup/email", nil)
	form(t, s, c, "/account/stepup", "/account/stepup", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}})
	form(t, s, c, "/account/security", "/account/totp/begin", nil)
	do(t, c, "GET", s.URL+"/account/totp", nil)
	form(t, s, c, "/account/tokens", "/account/tokens", url.Values{"name": {"ci"}, "days": {"30"}, "scope": {"account.read_self"}})
	// The probe shows the report would see a match: an attack in detect
	// mode passes through and is logged.
	if r, _ := do(t, c, "GET", s.URL+"/probe?q=%3Cscript%3Ealert(1)%3C/script%3E", nil); r.StatusCode == 403 {
		t.Fatal("detect mode blocked")
	}
	hits := map[string]map[string]bool{} // path -> rules
	for _, l := range strings.Split(s.Stderr.String(), "\n") {
		if !strings.Contains(l, `"msg":"waf"`) {
			continue
		}
		var e struct {
			Path, Rules string
		}
		json.Unmarshal([]byte(l), &e)
		if hits[e.Path] == nil {
			hits[e.Path] = map[string]bool{}
		}
		for _, r := range strings.Split(e.Rules, ",") {
			hits[e.Path][r] = true
		}
	}
	if hits["/probe"] == nil {
		t.Fatal("the WAF in detect mode logged nothing for an obvious attack: the report is blind")
	}
	delete(hits, "/probe")
	var paths []string
	for p := range hits {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		var rules []string
		for r := range hits[p] {
			rules = append(rules, r)
		}
		sort.Strings(rules)
		t.Logf("PL2 would flag %s: rules %s", p, strings.Join(rules, ","))
	}
	if len(paths) == 0 {
		t.Log("PL2 flags none of the journey's requests")
	}
}
