package pki

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCreateThenLoad(t *testing.T) {
	t.Parallel()
	opts := testOptions(t)
	opts.Organization = "Acme Shop"
	ca := newTestCA(t, opts)

	again, created, err := LoadOrCreate(opts)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if created {
		t.Fatal("reload: created = true for an existing CA")
	}
	if !again.Root().Equal(ca.Root()) || !again.Intermediate().Equal(ca.Intermediate()) {
		t.Fatal("reload returned other certificates")
	}
	if !bytes.Equal(again.RootPEM(), ca.RootPEM()) || !bytes.Equal(again.ChainPEM(), ca.ChainPEM()) {
		t.Fatal("reload returned other PEM")
	}
	if !again.interKey.Equal(ca.interKey) {
		t.Fatal("reload returned another intermediate key")
	}

	root, inter := ca.Root(), ca.Intermediate()
	if root.Subject.CommonName != rootCN || root.Subject.Organization[0] != "Acme Shop" {
		t.Errorf("root subject = %v", root.Subject)
	}
	if !root.IsCA || root.MaxPathLen != 1 || root.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("root constraints: IsCA=%v MaxPathLen=%d KeyUsage=%v", root.IsCA, root.MaxPathLen, root.KeyUsage)
	}
	if !inter.IsCA || inter.MaxPathLen != 0 || !inter.MaxPathLenZero {
		t.Errorf("intermediate constraints: IsCA=%v MaxPathLen=%d", inter.IsCA, inter.MaxPathLen)
	}
	if err := inter.CheckSignatureFrom(root); err != nil {
		t.Errorf("intermediate not signed by root: %v", err)
	}
	if y := root.NotAfter.Sub(root.NotBefore).Hours() / 24 / 365; y < 9.99 || y > 10.01 {
		t.Errorf("root lives %.2f years", y)
	}
	if y := inter.NotAfter.Sub(inter.NotBefore).Hours() / 24 / 365; y < 4.99 || y > 5.01 {
		t.Errorf("intermediate lives %.2f years", y)
	}
	for _, c := range []*x509.Certificate{root, inter} {
		if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
			t.Errorf("serial %v not a positive 128-bit number", c.SerialNumber)
		}
	}
	if got := ca.Pool().Equal(again.Pool()); !got {
		t.Error("pools differ")
	}
}

func TestFileModes(t *testing.T) {
	t.Parallel()
	opts := testOptions(t)
	opts.Passphrase = nil // generate one, so the passphrase file exists
	newTestCA(t, opts)
	if m := mode(t, opts.Dir); m != 0o700 {
		t.Errorf("dir mode %04o, want 0700", m)
	}
	for _, f := range []string{rootKeyFile, interKeyFile, passphraseFile} {
		if m := mode(t, filepath.Join(opts.Dir, f)); m != 0o600 {
			t.Errorf("%s mode %04o, want 0600", f, m)
		}
	}
	p, err := os.ReadFile(filepath.Join(opts.Dir, passphraseFile))
	if err != nil || len(p) != 43 {
		t.Fatalf("generated passphrase %q (%v), want 43 base64url bytes", p, err)
	}
	// With no Options.Passphrase the file is used on load.
	if _, created, err := LoadOrCreate(opts); err != nil || created {
		t.Fatalf("reload with passphrase file: created=%v err=%v", created, err)
	}
	// And it is the passphrase: giving it explicitly works too.
	opts.Passphrase = p
	if _, _, err := LoadOrCreate(opts); err != nil {
		t.Fatalf("reload with explicit passphrase: %v", err)
	}
}

func TestCreateWithGivenPassphraseWritesNoFile(t *testing.T) {
	t.Parallel()
	opts := testOptions(t)
	newTestCA(t, opts)
	if _, err := os.Stat(filepath.Join(opts.Dir, passphraseFile)); !os.IsNotExist(err) {
		t.Fatalf("passphrase file written although Options.Passphrase was given (%v)", err)
	}
}

// The root key is not needed to run, so loading must not decrypt it: a
// root key file whose body is damaged still loads.
func TestLoadDoesNotOpenRootKey(t *testing.T) {
	t.Parallel()
	opts := testOptions(t)
	newTestCA(t, opts)
	p := filepath.Join(opts.Dir, rootKeyFile)
	if err := os.WriteFile(p, []byte(ageHeader+"-> scrypt garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreate(opts); err != nil {
		t.Fatalf("load decrypted the root key: %v", err)
	}
}

func TestLoadFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(t *testing.T, opts *Options, otherDir string)
		want   error
		words  []string
	}{
		{"fail/wrong-passphrase", func(t *testing.T, o *Options, _ string) {
			o.Passphrase = []byte("not the passphrase")
		}, ErrBadPassphrase, []string{"CA passphrase does not decrypt", interKeyFile}},
		{"fail/passphrase-file-too-open", func(t *testing.T, o *Options, _ string) {
			writePassphrase(t, o, 0o644)
		}, ErrInsecureFile, []string{passphraseFile, "0644"}},
		{"fail/passphrase-file-group-readable", func(t *testing.T, o *Options, _ string) {
			writePassphrase(t, o, 0o640)
		}, ErrInsecureFile, []string{"0640"}},
		{"fail/passphrase-file-is-dir", func(t *testing.T, o *Options, _ string) {
			o.Passphrase = nil
			mustNil(t, os.Mkdir(filepath.Join(o.Dir, passphraseFile), 0o700))
		}, ErrInsecureFile, []string{"not a regular file"}},
		{"fail/no-passphrase", func(t *testing.T, o *Options, _ string) {
			o.Passphrase = nil
		}, ErrNoPassphrase, []string{passphraseFile}},
		{"fail/corrupt-root", func(t *testing.T, o *Options, _ string) {
			writeFile(t, o.Dir, rootCertFile, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
		}, ErrCorrupt, []string{rootCertFile}},
		{"fail/root-not-pem", func(t *testing.T, o *Options, _ string) {
			writeFile(t, o.Dir, rootCertFile, []byte("hello"))
		}, ErrCorrupt, []string{rootCertFile}},
		{"fail/missing-intermediate-cert", func(t *testing.T, o *Options, _ string) {
			mustNil(t, os.Remove(filepath.Join(o.Dir, interCertFile)))
		}, ErrCorrupt, []string{interCertFile, "missing"}},
		{"fail/missing-root-cert", func(t *testing.T, o *Options, _ string) {
			mustNil(t, os.Remove(filepath.Join(o.Dir, rootCertFile)))
		}, ErrCorrupt, []string{rootCertFile, "missing"}},
		{"fail/missing-root-key", func(t *testing.T, o *Options, _ string) {
			mustNil(t, os.Remove(filepath.Join(o.Dir, rootKeyFile)))
		}, ErrCorrupt, []string{rootKeyFile, "missing"}},
		{"fail/corrupt-root-key", func(t *testing.T, o *Options, _ string) {
			writeFile(t, o.Dir, rootKeyFile, []byte("PRIVATE KEY"))
		}, ErrCorrupt, []string{rootKeyFile}},
		{"fail/missing-intermediate-key", func(t *testing.T, o *Options, _ string) {
			mustNil(t, os.Remove(filepath.Join(o.Dir, interKeyFile)))
		}, ErrCorrupt, []string{interKeyFile, "missing"}},
		{"fail/truncated-intermediate-key", func(t *testing.T, o *Options, _ string) {
			b, err := os.ReadFile(filepath.Join(o.Dir, interKeyFile))
			mustNil(t, err)
			writeFile(t, o.Dir, interKeyFile, b[:len(b)-10])
		}, ErrCorrupt, []string{interKeyFile}},
		{"fail/intermediate-from-other-ca", func(t *testing.T, o *Options, otherDir string) {
			copyFile(t, otherDir, o.Dir, interCertFile)
		}, ErrCorrupt, []string{interCertFile, "not signed by"}},
		{"fail/intermediate-key-from-other-ca", func(t *testing.T, o *Options, otherDir string) {
			copyFile(t, otherDir, o.Dir, interKeyFile)
		}, ErrCorrupt, []string{interKeyFile, "does not hold the key"}},
		{"fail/root-is-intermediate", func(t *testing.T, o *Options, _ string) {
			b, err := os.ReadFile(filepath.Join(o.Dir, interCertFile))
			mustNil(t, err)
			writeFile(t, o.Dir, rootCertFile, b)
		}, ErrCorrupt, []string{rootCertFile, "self-signed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := testOptions(t)
			newTestCA(t, opts)
			otherOpts := testOptions(t) // same passphrase, other CA
			newTestCA(t, otherOpts)
			tt.mutate(t, &opts, otherOpts.Dir)
			before := snapshot(t, opts.Dir)
			ca, created, err := LoadOrCreate(opts)
			wantErr(t, err, tt.want, tt.words...)
			if ca != nil || created {
				t.Errorf("got ca=%v created=%v with an error", ca != nil, created)
			}
			sameSnapshot(t, before, snapshot(t, opts.Dir))
		})
	}
}

func TestOptionFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts func(Options) Options
	}{
		{"fail/no-dir", func(o Options) Options { o.Dir = ""; return o }},
		{"fail/work-factor-too-big", func(o Options) Options { o.WorkFactor = 31; return o }},
		{"fail/work-factor-negative", func(o Options) Options { o.WorkFactor = -1; return o }},
		{"fail/dir-is-file", func(o Options) Options {
			mustNil(t, os.WriteFile(o.Dir, nil, 0o600))
			return o
		}},
		{"fail/dir-holds-other-files", func(o Options) Options {
			mustNil(t, os.MkdirAll(o.Dir, 0o700))
			writeFile(t, o.Dir, "notes.txt", []byte("keep me"))
			return o
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts(testOptions(t))
			if _, _, err := LoadOrCreate(opts); err == nil {
				t.Fatal("LoadOrCreate succeeded")
			}
		})
	}
}

func TestNowIsUTC(t *testing.T) {
	t.Parallel()
	opts := testOptions(t)
	loc := time.FixedZone("X", 5*3600)
	opts.Now = func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, loc) }
	ca := newTestCA(t, opts)
	want := time.Date(2030, 1, 1, 22, 3, 5, 0, time.UTC) // minus the backdate
	if got := ca.Root().NotBefore; !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("root NotBefore = %v, want %v", got, want)
	}
}

func writePassphrase(t *testing.T, o *Options, m os.FileMode) {
	t.Helper()
	p := filepath.Join(o.Dir, passphraseFile)
	mustNil(t, os.WriteFile(p, append(o.Passphrase, '\n'), m))
	mustNil(t, os.Chmod(p, m))
	o.Passphrase = nil
}

func writeFile(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	mustNil(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
}

func copyFile(t *testing.T, from, to, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(from, name))
	mustNil(t, err)
	writeFile(t, to, name, b)
}

func mustNil(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
