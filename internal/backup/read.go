package backup

import (
	"archive/tar"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"filippo.io/age"

	"github.com/citadel-store/citadel/internal/store"
)

// open decrypts a backup, checks the manifest's signature and returns the
// manifest and a tar reader positioned at the first file.
func open(r io.Reader, identities []age.Identity, pub ed25519.PublicKey) (*Manifest, *tar.Reader, error) {
	dec, err := age.Decrypt(r, identities...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, nil, fmt.Errorf("backup: no key or passphrase given opens this backup")
		}
		return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	tr := tar.NewReader(dec)
	read := func(name string) ([]byte, error) {
		h, err := tr.Next()
		if err != nil || h.Name != name || h.Size > maxManifest {
			return nil, fmt.Errorf("%w: expected %s", ErrCorrupt, name)
		}
		b, err := io.ReadAll(io.LimitReader(tr, maxManifest))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return b, nil
	}
	manifest, err := read(manifestName)
	if err != nil {
		return nil, nil, err
	}
	sigText, err := read(signatureName)
	if err != nil {
		return nil, nil, err
	}
	sig, err := base64.StdEncoding.DecodeString(string(sigText))
	if err != nil || !ed25519.Verify(pub, manifest, sig) {
		return nil, nil, ErrSignature
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m); err != nil || m.Format != formatV1 {
		return nil, nil, fmt.Errorf("%w: manifest", ErrCorrupt)
	}
	for _, f := range m.Files {
		if !safeName(f.Name) {
			return nil, nil, fmt.Errorf("%w: unsafe name %q", ErrCorrupt, f.Name)
		}
	}
	return &m, tr, nil
}

// each reads the files in manifest order, checking size and SHA-256, and
// hands each (whole, checked) to fn by its temporary path.
func each(m *Manifest, tr *tar.Reader, tmp string, fn func(f File, path string) error) error {
	for _, f := range m.Files {
		h, err := tr.Next()
		if err != nil || h.Name != f.Name || h.Size != f.Size {
			return fmt.Errorf("%w: %s missing or resized", ErrCorrupt, f.Name)
		}
		p := filepath.Join(tmp, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		hs := sha256.New()
		n, err := io.Copy(io.MultiWriter(out, hs), tr)
		out.Close()
		if err != nil || n != f.Size || hex.EncodeToString(hs.Sum(nil)) != f.SHA256 {
			return fmt.Errorf("%w: %s does not match its checksum", ErrCorrupt, f.Name)
		}
		if err := fn(f, p); err != nil {
			return err
		}
	}
	if _, err := tr.Next(); err != io.EOF {
		return fmt.Errorf("%w: unexpected extra entries", ErrCorrupt)
	}
	return nil
}

// Verify checks a backup's signature and every checksum without restoring.
func Verify(r io.Reader, identities []age.Identity, pub ed25519.PublicKey) (*Manifest, error) {
	m, tr, err := open(r, identities, pub)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "citadel-verify-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	err = each(m, tr, tmp, func(f File, p string) error { return os.Remove(p) })
	return m, err
}

// Target is where a backup is restored: an empty (or absent) data
// directory, and for PostgreSQL an empty database.
type Target struct {
	DataDir string
	DSN     string // postgres:// for a PostgreSQL backup
}

// Restore verifies the whole backup first, then restores it into an empty
// target; nothing is written to the target unless every check passed.
func Restore(ctx context.Context, r io.Reader, identities []age.Identity, pub ed25519.PublicKey, t Target) (*Manifest, error) {
	if entries, err := os.ReadDir(t.DataDir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%w: %s holds files", ErrNotEmpty, t.DataDir)
	}
	m, tr, err := open(r, identities, pub)
	if err != nil {
		return nil, err
	}
	if m.Engine == string(store.Postgres) && t.DSN == "" {
		return nil, errors.New("backup: this is a PostgreSQL backup: give the empty database to restore into")
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(t.DataDir)), ".citadel-restore-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	staged := map[string]string{}
	if err := each(m, tr, tmp, func(f File, p string) error { staged[f.Name] = p; return nil }); err != nil {
		return nil, err
	}
	if m.Engine == string(store.Postgres) {
		if err := restorePostgres(ctx, t.DSN, staged["db.pgdump"]); err != nil {
			return nil, err
		}
		delete(staged, "db.pgdump")
	} else {
		staged["citadel.db"] = staged["db.sqlite"]
		delete(staged, "db.sqlite")
	}
	if err := os.MkdirAll(t.DataDir, 0o700); err != nil {
		return nil, err
	}
	names := sortedKeys(staged)
	for _, name := range names {
		dst := filepath.Join(t.DataDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, err
		}
		if err := os.Rename(staged[name], dst); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func restorePostgres(ctx context.Context, dsn, dump string) error {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	var n int
	err = db.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n)
	db.Close()
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: the database has %d tables", ErrNotEmpty, n)
	}
	cmd := exec.CommandContext(ctx, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", dsn, dump)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("backup: pg_restore: %v: %s", err, out)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
