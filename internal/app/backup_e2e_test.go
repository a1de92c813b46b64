package app_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// The restore drill, on both engines: create data, back up, lose
// everything, restore into an empty directory (and database), and find
// the account back and working.
func TestBackupRestoreDrill(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			s := apptest.StartEngine(t, e)
			c := s.NewClient(nil)
			const email, pw = "kept@example.com", "violet otter ladder 42"
			signUp(t, s, c, email, pw)
			data := s.Config.Data
			env := map[string]string{"CITADEL_BACKUP_PASSPHRASE": "correct horse battery staple"}
			file := filepath.Join(t.TempDir(), "citadel.backup")
			args := []string{"backup", "create", "--data", data, "--out", file}
			if e == store.Postgres {
				args = append(args, "--db", s.Config.DB)
			}
			if code, out, stderr := run(env, args...); code != 0 {
				t.Fatalf("backup create: %s %s", out, stderr)
			}
			if code, out, stderr := run(env, "backup", "verify", file, "--data", data); code != 0 || !strings.Contains(out, "intact") {
				t.Fatalf("verify: %s %s", out, stderr)
			}
			raw, _ := os.ReadFile(file)
			if strings.Contains(string(raw), email) || strings.Contains(string(raw), "SQLite format") {
				t.Fatal("the backup is not encrypted")
			}
			flipped := filepath.Join(t.TempDir(), "flipped")
			b := append([]byte(nil), raw...)
			b[len(b)/2] ^= 1
			os.WriteFile(flipped, b, 0o600)
			truncated := filepath.Join(t.TempDir(), "truncated")
			os.WriteFile(truncated, raw[:len(raw)*2/3], 0o600)
			for _, tc := range []struct {
				name string
				env  map[string]string
				args []string
			}{
				{"fail/flipped-byte", env, []string{"backup", "verify", flipped, "--data", data}},
				{"fail/truncated", env, []string{"backup", "verify", truncated, "--data", data}},
				{"fail/wrong-passphrase", map[string]string{"CITADEL_BACKUP_PASSPHRASE": "nope"}, []string{"backup", "verify", file, "--data", data}},
				{"fail/other-signing-key", env, []string{"backup", "verify", file, "--data", data, "--pubkey", "citadel-backup-ed25519:" + strings.Repeat("A", 43) + "="}},
				{"fail/restore-over-data", env, []string{"backup", "restore", file, "--data", data, "--pubkey", filepath.Join(data, "backup-signing.key.pub")}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if code, _, _ := run(tc.env, tc.args...); code == 0 {
						t.Fatal("accepted")
					}
				})
			}

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s.Shutdown(ctx)
			// The operator kept the master key and CA passphrase apart from
			// the backup; everything else is gone.
			restored := filepath.Join(t.TempDir(), "restored")
			cfg := apptest.Config(t, e)
			cfg.Data = restored
			args = []string{"backup", "restore", file, "--data", restored, "--pubkey", filepath.Join(data, "backup-signing.key.pub")}
			if e == store.Postgres {
				args = append(args, "--db", cfg.DB)
			}
			code, out, stderr := run(env, args...)
			if code != 0 || !strings.Contains(out, "restored") {
				t.Fatalf("restore: %s %s", out, stderr)
			}
			for _, f := range []string{"master.key", "ca/passphrase"} {
				b, err := os.ReadFile(filepath.Join(data, f))
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(restored, f), b, 0o600)
			}
			s2 := apptest.Start(t, cfg)
			if r, _ := form(t, s2, s2.NewClient(nil), "/signin", "/signin", url.Values{"email": {email}, "password": {pw}}); r.Header.Get("Location") != "/account" {
				t.Fatalf("sign-in after restore: %d", r.StatusCode)
			}
		})
	}
}
