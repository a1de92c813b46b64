package app_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/audit/tlog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// The running store sequences its audit outbox into the Merkle log and
// publishes signed checkpoints; `citadel audit verify` holds, and finds
// an edited entry by its index. Entry bundles are not public.
func TestAuditLogEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			s := apptest.StartEngine(t, e)
			signUp(t, s, s.NewClient(nil), "audited@example.com", "violet otter ladder 42")
			var signedNote string
			deadline := time.Now().Add(10 * time.Second)
			for {
				resp, body := s.Get(t, "/audit/checkpoint")
				var pending int
				s.DB().QueryRow(t.Context(), `SELECT count(*) FROM audit_outbox WHERE log_index IS NULL`).Scan(&pending)
				if resp.StatusCode == 200 && strings.Contains(body, "/citadel/audit\n") && pending == 0 {
					signedNote = body
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no checkpoint: %d %q", resp.StatusCode, body)
				}
				time.Sleep(200 * time.Millisecond)
			}
			if !strings.Contains(signedNote, "\n\n— ") {
				t.Fatalf("checkpoint is not a signed note:\n%s", signedNote)
			}
			if resp, _ := s.Get(t, "/audit/tile/entries/000"); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("public entry bundle: %d", resp.StatusCode)
			}
			if resp, _ := s.Get(t, "/audit/proof/inclusion?index=zero"); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("bad proof request: %d", resp.StatusCode)
			}
			args := []string{"audit", "verify", "--data", s.Config.Data}
			if e == store.Postgres {
				args = append(args, "--db", s.Config.DB)
			}
			if code, out, stderr := run(nil, args...); code != 0 || !strings.Contains(out, "verified") {
				t.Fatalf("audit verify: %s %s", out, stderr)
			}
			// Evidence bundle: exported, verified offline against the pinned
			// key, refused when edited.
			bundle := filepath.Join(t.TempDir(), "entry.json")
			pub := filepath.Join(s.Config.Data, "audit-checkpoint.key.pub")
			if code, _, stderr := run(nil, append([]string{"audit", "proof", "0", "--out", bundle}, args[2:]...)...); code != 0 {
				t.Fatalf("audit proof: %s", stderr)
			}
			if code, out, stderr := run(nil, "verify", "audit-bundle", bundle, "--key", pub); code != 0 || !strings.Contains(out, "is in the log") {
				t.Fatalf("verify bundle: %s %s", out, stderr)
			}
			raw, _ := os.ReadFile(bundle)
			os.WriteFile(bundle+".edited", []byte(strings.Replace(string(raw), `\"outcome\":\"success\"`, `\"outcome\":\"failure\"`, 1)), 0o644)
			if code, _, _ := run(nil, "verify", "audit-bundle", bundle+".edited", "--key", pub); code == 0 {
				t.Fatal("an edited bundle verified")
			}
			// A witness: first sight, then a rollback it must refuse.
			state := filepath.Join(t.TempDir(), "witness")
			watch := []string{"audit", "watch", s.URL, "--key", pub, "--ca", filepath.Join(s.Config.Data, "ca", "root.pem"), "--every", "0", "--state", state}
			if code, out, stderr := run(nil, watch...); code != 0 {
				t.Fatalf("witness: %s %s", out, stderr)
			}
			pubText, _ := os.ReadFile(pub)
			origin, _, _ := strings.Cut(string(pubText), "+")
			signer, _, err := tlog.LoadOrCreateKey(filepath.Join(s.Config.Data, "audit-checkpoint.key"), origin)
			if err != nil {
				t.Fatal(err)
			}
			future, _ := note.Sign(&note.Note{Text: signer.Name() + "\n1000000\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n"}, signer)
			os.WriteFile(state, future, 0o644)
			if code, _, stderr := run(nil, watch...); code == 0 || !strings.Contains(stderr, "fork or rollback") {
				t.Fatalf("witness accepted a rollback: %s", stderr)
			}
			// An insider edits an entry.
			res, err := s.DB().Exec(t.Context(), `UPDATE audit_outbox SET body = replace(body, 'account.register', 'account.nothing') WHERE log_index IS NOT NULL AND action = 'account.register'`)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("edited %d entries", n)
			}
			code, _, stderr := run(nil, args...)
			if code == 0 || !strings.Contains(stderr, "at index") {
				t.Fatalf("tampered log verified: %d %s", code, stderr)
			}
		})
	}
}

// The auditor's console: an auditor (after the second factor) searches
// the log and downloads a proof that verifies; a customer is refused.
func TestAuditorConsole(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	data := s.Config.Data
	const pw = "violet otter ladder 42"
	code, out, stderr := run(nil, "user", "create", "--data", data, "--email", "auditor@example.com", "--role", "auditor")
	if code != 0 {
		t.Fatal(stderr)
	}
	u, _ := url.Parse(strings.TrimSpace(out[strings.Index(out, "https://"):]))
	c := s.NewClient(nil)
	form(t, s, c, u.RequestURI(), "/enrol", url.Values{"token": {u.Query().Get("token")}, "password": {pw}})
	form(t, s, c, "/signin", "/signin", url.Values{"email": {"auditor@example.com"}, "password": {pw}})
	form(t, s, c, "/signin/mfa", "/signin/mfa/email", nil)
	form(t, s, c, "/signin/mfa", "/signin/mfa", url.Values{"method": {"email"}, "code": {mailedCode(t, s, "auditor@example.com")}})
	deadline := time.Now().Add(10 * time.Second)
	var body string
	for {
		var resp *http.Response
		resp, body = do(t, c, "GET", s.URL+"/audit/console?action=auth.signin", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("console: %d", resp.StatusCode)
		}
		if strings.Contains(body, "/audit/console/proof/") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no sign-in entry reached the console")
		}
		time.Sleep(200 * time.Millisecond)
	}
	i := strings.Index(body, "/audit/console/proof/")
	link := body[i : i+strings.IndexByte(body[i:], '"')]
	var raw string
	for {
		var resp *http.Response
		resp, raw = do(t, c, "GET", s.URL+link, nil)
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proof: %d", resp.StatusCode)
		}
		time.Sleep(200 * time.Millisecond) // until a checkpoint covers it
	}
	pub, _ := os.ReadFile(filepath.Join(data, "audit-checkpoint.key.pub"))
	if _, b, err := tlog.VerifyBundle([]byte(raw), strings.TrimSpace(string(pub))); err != nil || !strings.Contains(b.Entry, "auth.signin") {
		t.Fatalf("downloaded proof: %v", err)
	}
	if r, _ := do(t, c, "GET", s.URL+"/audit/console?from=yesterday", nil); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad date: %d", r.StatusCode)
	}
	// fail/customer-reads-audit-log
	cust := s.NewClient(nil)
	signUp(t, s, cust, "nosy@example.com", pw)
	form(t, s, cust, "/signin", "/signin", url.Values{"email": {"nosy@example.com"}, "password": {pw}})
	if r, _ := do(t, cust, "GET", s.URL+"/audit/console", nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("customer on the audit console: %d", r.StatusCode)
	}
}
