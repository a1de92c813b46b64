package pki

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// These tests lay out the directories an interrupted creation can leave
// (a crash can stop it between any two steps of stage and commit) and
// check that the next LoadOrCreate ends with one complete CA and no
// leftovers.
func TestInterruptedCreation(t *testing.T) {
	t.Parallel()
	const operatorPass = "operator-chosen-passphrase"
	tests := []struct {
		name        string
		setup       func(t *testing.T, l layout)
		wantCreated bool
		// wantPass, when set, is the passphrase the resulting CA must open with.
		wantPass string
	}{
		{"crash-while-staging/dir-missing", func(t *testing.T, l layout) {
			partialStaging(t, l)
		}, true, ""},
		{"crash-while-staging/dir-empty", func(t *testing.T, l layout) {
			mustNil(t, os.Mkdir(l.dir, 0o700))
			partialStaging(t, l)
		}, true, ""},
		{"crash-after-moving-dir-aside", func(t *testing.T, l layout) {
			// Dir held only the operator's passphrase; it was renamed
			// aside and the staged CA was not yet renamed in.
			prev := l.previous()
			mustNil(t, os.Mkdir(prev, 0o700))
			mustNil(t, os.WriteFile(filepath.Join(prev, passphraseFile), []byte(operatorPass), 0o600))
			partialStaging(t, l)
		}, true, operatorPass},
		{"crash-before-removing-previous", func(t *testing.T, l layout) {
			opts := testOptions(t)
			opts.Dir = l.dir
			newTestCA(t, opts)
			mustNil(t, os.Mkdir(l.previous(), 0o700))
		}, false, "correct horse battery staple"},
		{"dir-holds-only-passphrase", func(t *testing.T, l layout) {
			mustNil(t, os.Mkdir(l.dir, 0o755))
			mustNil(t, os.WriteFile(filepath.Join(l.dir, passphraseFile), []byte(operatorPass+"\n"), 0o400))
		}, true, operatorPass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := newLayout(filepath.Join(t.TempDir(), "ca"))
			mustNil(t, err)
			tt.setup(t, l)
			opts := Options{Dir: l.dir, WorkFactor: testWorkFactor}
			if !tt.wantCreated {
				opts.Passphrase = []byte(tt.wantPass)
			}
			ca, created, err := LoadOrCreate(opts)
			if err != nil {
				t.Fatalf("LoadOrCreate after interruption: %v", err)
			}
			if created != tt.wantCreated {
				t.Errorf("created = %v, want %v", created, tt.wantCreated)
			}
			entries, err := os.ReadDir(l.parent)
			mustNil(t, err)
			if len(entries) != 1 || entries[0].Name() != l.base {
				t.Errorf("leftovers beside the CA dir: %v", entries)
			}
			if m := mode(t, l.dir); m != 0o700 {
				t.Errorf("dir mode %04o, want 0700", m)
			}
			if tt.wantPass != "" {
				opts.Passphrase = []byte(tt.wantPass)
			}
			again, created, err := LoadOrCreate(opts)
			if err != nil || created {
				t.Fatalf("second start: created=%v err=%v", created, err)
			}
			if !again.Root().Equal(ca.Root()) {
				t.Error("second start sees another CA")
			}
		})
	}
}

// partialStaging leaves a staging directory as a crash in stage would:
// some files written, one cut short.
func partialStaging(t *testing.T, l layout) {
	t.Helper()
	dir, err := os.MkdirTemp(l.parent, l.stagingPrefix())
	mustNil(t, err)
	mustNil(t, os.WriteFile(filepath.Join(dir, rootKeyFile), []byte(ageHeader+"-> scrypt"), 0o600))
	mustNil(t, os.WriteFile(filepath.Join(dir, rootCertFile), []byte("-----BEGIN CERT"), 0o644))
}

// A directory holding some CA files but not all is never taken for an
// interrupted creation: its keys may be the only copy of the CA.
func TestPartialCAIsNotRecreated(t *testing.T) {
	t.Parallel()
	for _, keep := range caFiles() {
		t.Run("fail/only-"+keep, func(t *testing.T) {
			t.Parallel()
			opts := testOptions(t)
			newTestCA(t, opts)
			for _, f := range caFiles() {
				if f != keep {
					mustNil(t, os.Remove(filepath.Join(opts.Dir, f)))
				}
			}
			before := snapshot(t, opts.Dir)
			_, _, err := LoadOrCreate(opts)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "missing") {
				t.Fatalf("err = %v, want ErrCorrupt naming a missing file", err)
			}
			sameSnapshot(t, before, snapshot(t, opts.Dir))
		})
	}
}

func TestPreviousBesideDirWithoutCA(t *testing.T) {
	t.Parallel()
	l, err := newLayout(filepath.Join(t.TempDir(), "ca"))
	mustNil(t, err)
	mustNil(t, os.Mkdir(l.dir, 0o700))
	mustNil(t, os.Mkdir(l.previous(), 0o700))
	_, _, err = LoadOrCreate(Options{Dir: l.dir, WorkFactor: testWorkFactor})
	if err == nil || !strings.Contains(err.Error(), ".ca.previous") {
		t.Fatalf("err = %v, want one naming the ambiguous previous dir", err)
	}
}

// The passphrase file an operator put in an empty Dir survives creation
// byte for byte, even when Options.Passphrase overrides it.
func TestOperatorPassphraseFileKept(t *testing.T) {
	t.Parallel()
	opts := testOptions(t)
	mustNil(t, os.Mkdir(opts.Dir, 0o700))
	content := []byte("  written by the operator  \n")
	writeFile(t, opts.Dir, passphraseFile, content)
	newTestCA(t, opts)
	got, err := os.ReadFile(filepath.Join(opts.Dir, passphraseFile))
	mustNil(t, err)
	if !bytes.Equal(got, content) {
		t.Errorf("passphrase file = %q, want %q", got, content)
	}
}
