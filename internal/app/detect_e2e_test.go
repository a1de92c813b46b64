package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/store"
)

func waitAlert(t *testing.T, s *apptest.Server, kind string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := audit.Recent(t.Context(), s.DB(), 200)
		for _, e := range entries {
			if e.Action == "guard.alert" && strings.Contains(e.Body, `"kind":"`+kind+`"`) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s alert in the audit outbox", kind)
}

// A scanner (a burst of 404s) is blocked automatically, and other
// addresses are not; credential stuffing from one address is blocked too.
func TestDetectorsBlockAttackers(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	scanner := clientFrom(s, "127.0.0.5")
	blocked := false
	for i := 0; i < 60 && !blocked; i++ {
		resp, err := scanner.Get(s.URL + fmt.Sprintf("/admin%d.php", i))
		if err != nil {
			blocked = true // refused at accept
			break
		}
		resp.Body.Close()
		blocked = resp.StatusCode == http.StatusForbidden
	}
	if !blocked {
		t.Fatal("60 probes and the scanner is still served")
	}
	waitAlert(t, s, "scanner")
	if resp, err := clientFrom(s, "127.0.0.6").Get(s.URL + "/"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("an innocent address: %v", err)
	}

	// Credential stuffing: one address trying many accounts through the
	// real form is blocked before its tenth attempt.
	stuffer := clientFrom(s, "127.0.0.7")
	for i := range 10 {
		resp, err := stuffer.Get(s.URL + "/signin")
		if err != nil || resp.StatusCode == http.StatusForbidden {
			if i < 8 {
				t.Fatalf("blocked after only %d attempts", i)
			}
			waitAlert(t, s, "credential_stuffing")
			return
		}
		resp.Body.Close()
		form(t, s, stuffer, "/signin", "/signin", url.Values{"email": {fmt.Sprintf("victim%d@example.com", i)}, "password": {"Winter2026!!xx"}})
	}
	t.Fatal("ten accounts tried from one address and it is still served")
}

// citadel guard block/list/unblock act on a running server through its
// admin listener, and each change is audited.
func TestGuardCommands(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	env := map[string]string{"CITADEL_ADMIN_URL": s.AdminURL}
	data := s.Config.Data
	if code, _, stderr := run(env, "guard", "block", "127.0.0.8", "--data", data, "--for", "1h", "--reason", "test"); code != 0 {
		t.Fatalf("block: %s", stderr)
	}
	if resp, err := clientFrom(s, "127.0.0.8").Get(s.URL + "/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("blocked address served: %d", resp.StatusCode)
		}
	}
	// fail/cross-site-post-to-admin: a page elsewhere cannot make the
	// operator's browser change the block list.
	req, _ := http.NewRequest("POST", s.AdminURL+"/guard/unblock", strings.NewReader("prefix=127.0.0.8"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := s.Do(t, req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post to the admin listener: %d", resp.StatusCode)
	}
	code, out, _ := run(env, "guard", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "127.0.0.8/32") {
		t.Fatalf("list: %s", out)
	}
	for _, tc := range []struct{ name, arg string }{{"fail/not-an-address", "nonsense"}, {"fail/empty", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, _ := run(env, "guard", "block", tc.arg, "--data", data); code == 0 {
				t.Fatal("accepted")
			}
		})
	}
	if code, _, stderr := run(env, "guard", "unblock", "127.0.0.8", "--data", data); code != 0 {
		t.Fatalf("unblock: %s", stderr)
	}
	resp, err := clientFrom(s, "127.0.0.8").Get(s.URL + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after unblock: %v", err)
	}
	resp.Body.Close()
	entries, _ := audit.Recent(t.Context(), s.DB(), 50)
	n := 0
	for _, e := range entries {
		if e.Action == "guard.block" || e.Action == "guard.unblock" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d guard events, want 2", n)
	}
}
