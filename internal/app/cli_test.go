package app_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/app"
	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/pki"
	"github.com/citadel-store/citadel/internal/store"
)

// run runs the CLI as the binary would, with a fixed environment.
func run(env map[string]string, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = app.Main(args, func(k string) string { return env[k] }, &o, &e)
	return code, o.String(), e.String()
}

// Start-up failures: one clear line naming the problem, a non-zero exit,
// and nothing left behind that breaks the next start.
func TestStartupFailures(t *testing.T) {
	fileNotDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(fileNotDir, []byte("x"), 0o600)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"fail/unknown-flag", nil, []string{"serve", "--nope"}, 2, "flag provided but not defined"},
		{"fail/bad-addr", nil, []string{"serve", "--addr", "nonsense"}, 2, "--addr"},
		{"fail/bad-hostname", nil, []string{"serve", "--hostname", "bad_name!"}, 2, "--hostname"},
		{"fail/bad-env-int", map[string]string{"CITADEL_MAX_BODY_BYTES": "lots"}, []string{"serve"}, 2, "CITADEL_MAX_BODY_BYTES"},
		{"fail/cert-without-key", nil, []string{"serve", "--tls-cert", "x.pem"}, 2, "--tls-key"},
		{"fail/db-not-postgres", nil, []string{"serve", "--db", "mysql://x"}, 2, "--db"},
		{"fail/data-is-a-file", nil, []string{"serve", "--data", fileNotDir, "--addr", "127.0.0.1:0", "--http-addr", "", "--admin-addr", ""}, 1, "data directory"},
		{"fail/db-not-answering", nil, []string{"serve", "--data", t.TempDir(), "--db", "postgres://citadel:pw@127.0.0.1:1/x?connect_timeout=1", "--addr", "127.0.0.1:0", "--http-addr", "", "--admin-addr", ""}, 1, "does not answer"},
		{"fail/unknown-command", nil, []string{"frobnicate"}, 2, "unknown command"},
		{"fail/backup-schedule-without-key", nil, []string{"serve", "--backup-every", "24h"}, 2, "--backup-every"},
		{"fail/backup-every-junk", nil, []string{"serve", "--backup-every", "daily"}, 2, "--backup-every"},
		{"fail/bad-waf-mode", nil, []string{"serve", "--waf", "maybe"}, 2, "--waf"},
		{"fail/bad-waf-paranoia", nil, []string{"serve", "--waf-paranoia", "5"}, 2, "--waf-paranoia"},
		{"fail/memory-limit-below-auth", nil, []string{"serve", "--memory-limit-mb", "100", "--auth-memory-mb", "200"}, 2, "--memory-limit-mb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(tc.env, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tc.code, tc.want)
			}
			if strings.Contains(stderr, "pw@") {
				t.Fatalf("stderr leaks the database password: %q", stderr)
			}
		})
	}
}

func TestWrongCAPassphraseStopsStart(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	cfg.CAPassphrase = "the right one, long enough"
	s := apptest.Start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Shutdown(ctx)

	cfg.CAPassphrase = "a wrong passphrase"
	var out, errb bytes.Buffer
	_, err := app.Start(context.Background(), cfg, app.Options{CAWorkFactor: 10}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("start with the wrong CA passphrase: %v", err)
	}
	// The right passphrase still works: nothing was damaged.
	cfg.CAPassphrase = "the right one, long enough"
	apptest.Start(t, cfg)
}

func TestSchemaNewerThanBinaryStopsStart(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	s := apptest.Start(t, cfg)
	if _, err := s.DB().Exec(context.Background(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Shutdown(ctx)
	_, err := app.Start(context.Background(), cfg, app.Options{CAWorkFactor: 10}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("start on a newer schema: %v", err)
	}
}

// The CA commands work beside a running server, and a revocation shows in
// the CRL that the server publishes on the next fetch.
func TestCACommandsAndCRL(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	env := map[string]string{}
	data := s.Config.Data

	code, stdout, stderr := run(env, "ca", "root", "--data", data)
	rootFile, _ := os.ReadFile(filepath.Join(data, "ca", "root.pem"))
	if code != 0 || stdout != string(rootFile) {
		t.Fatalf("ca root: exit %d, %q", code, stderr)
	}
	out := t.TempDir()
	code, stdout, stderr = run(env, "ca", "issue-server", "--data", data, "--name", "shop.example", "--name", "10.0.0.7", "--out", out)
	if code != 0 {
		t.Fatalf("issue-server: exit %d %s", code, stderr)
	}
	pemBytes, _ := os.ReadFile(filepath.Join(out, "server.pem"))
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("no certificate written")
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("shop.example"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(out, "server.key")); fi == nil || fi.Mode().Perm() != 0o600 {
		t.Fatal("key file missing or not 0600")
	}
	serial := pki.FormatSerial(leaf.SerialNumber)

	if crlHas(t, s, serial) {
		t.Fatal("fresh certificate already on the CRL")
	}
	code, _, stderr = run(env, "ca", "revoke", serial, "--data", data, "--reason", "keyCompromise")
	if code != 0 {
		t.Fatalf("revoke: exit %d %s", code, stderr)
	}
	if !crlHas(t, s, serial) {
		t.Fatal("revoked serial missing from the CRL")
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"fail/revoke-unknown-serial", []string{"ca", "revoke", "abcdef0123", "--data", data}, "unknown"},
		{"fail/revoke-again", []string{"ca", "revoke", serial, "--data", data}, "already revoked"},
		{"fail/revoke-junk", []string{"ca", "revoke", "not-a-serial!", "--data", data}, "serial"},
		{"fail/issue-bad-name", []string{"ca", "issue-server", "--data", data, "--name", "bad name", "--out", t.TempDir()}, "--name"},
		{"fail/no-ca", []string{"ca", "root", "--data", t.TempDir()}, "no CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(env, tc.args...)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q, want failure mentioning %q", code, stderr, tc.want)
			}
		})
	}
	code, stdout, _ = run(env, "ca", "list", "--data", data)
	if code != 0 || !strings.Contains(stdout, serial) || !strings.Contains(stdout, "revoked") {
		t.Fatalf("ca list: %d %q", code, stdout)
	}
}

func crlHas(t *testing.T, s *apptest.Server, serialHex string) bool {
	t.Helper()
	resp, body := s.Get(t, "/pki/crl")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /pki/crl = %d", resp.StatusCode)
	}
	crl, err := x509.ParseRevocationList([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(s.CA().Intermediate()); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	for _, e := range crl.RevokedCertificateEntries {
		if pki.FormatSerial(e.SerialNumber) == serialHex {
			return true
		}
	}
	return false
}

func TestMigrateCommand(t *testing.T) {
	data := t.TempDir()
	code, stdout, stderr := run(nil, "migrate", "--data", data)
	if code != 0 || !strings.Contains(stdout, "schema version") {
		t.Fatalf("migrate: %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = run(nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "citadel ") {
		t.Fatalf("version: %d %q", code, stdout)
	}
}
