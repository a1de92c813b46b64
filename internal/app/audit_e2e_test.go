package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/apptest"
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
			var note string
			deadline := time.Now().Add(10 * time.Second)
			for {
				resp, body := s.Get(t, "/audit/checkpoint")
				var pending int
				s.DB().QueryRow(t.Context(), `SELECT count(*) FROM audit_outbox WHERE log_index IS NULL`).Scan(&pending)
				if resp.StatusCode == 200 && strings.Contains(body, "/citadel/audit\n") && pending == 0 {
					note = body
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no checkpoint: %d %q", resp.StatusCode, body)
				}
				time.Sleep(200 * time.Millisecond)
			}
			if !strings.Contains(note, "\n\n— ") {
				t.Fatalf("checkpoint is not a signed note:\n%s", note)
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
