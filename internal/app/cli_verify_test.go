package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `citadel verify receipt|contract` accept the golden evidence files and
// refuse them with one byte changed.
func TestVerifyEvidenceCommands(t *testing.T) {
	td := filepath.Join("..", "evidence", "testdata")
	key := filepath.Join(td, "receipt.pub")
	for _, c := range []struct {
		kind, file string
		extra      []string
	}{
		{"receipt", "receipt-session.json", nil},
		{"receipt", "receipt-passkey.json", nil},
		{"contract", "contract.json", []string{"--ca", filepath.Join(td, "ca-root.pem")}},
	} {
		path := filepath.Join(td, c.file)
		args := append([]string{"verify", c.kind, path, "--key", key}, c.extra...)
		code, out, stderr := run(nil, args...)
		want, _ := os.ReadFile(path + ".txt")
		if code != 0 || strings.TrimSpace(out) != strings.TrimSpace(string(want)) {
			t.Errorf("verify %s %s: exit %d\n%s%s\nwant:\n%s", c.kind, c.file, code, out, stderr, want)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		bad := []byte(strings.Replace(string(raw), "2026", "2025", 1))
		if string(bad) == string(raw) {
			bad = append([]byte{}, raw...)
			bad[len(bad)/2] ^= 1
		}
		tampered := filepath.Join(t.TempDir(), c.file)
		os.WriteFile(tampered, bad, 0o600)
		args[2] = tampered
		if code, out, _ := run(nil, args...); code == 0 {
			t.Errorf("fail/tampered-%s: a changed file verified:\n%s", c.kind, out)
		}
	}
	if code, _, _ := run(nil, "verify", "receipt", filepath.Join(td, "receipt-session.json")); code == 0 {
		t.Error("fail/no-key: verified without a pinned key")
	}
}
