package backup

import (
	"archive/tar"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"filippo.io/age"

	"github.com/citadel-store/citadel/internal/store"
)

// Source is what a backup is taken of.
type Source struct {
	DB      *store.DB
	DSN     string // the PostgreSQL URL, for pg_dump
	DataDir string // CA files are taken from DataDir/ca
}

// Progress reports bytes written so far (for a terminal).
type Progress func(stage string, done, total int64)

// Create writes a backup of src to w, encrypted to recipients and signed
// with key.
func Create(ctx context.Context, w io.Writer, src Source, recipients []age.Recipient, key ed25519.PrivateKey, progress Progress) (*Manifest, error) {
	if len(recipients) == 0 {
		return nil, fmt.Errorf("backup: no recipient (give an age public key or a passphrase)")
	}
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	tmp, err := os.MkdirTemp("", "citadel-backup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	cur, _, err := src.DB.SchemaStatus(ctx)
	if err != nil {
		return nil, err
	}
	m := Manifest{Format: formatV1, CreatedAt: time.Now().UTC().Format(time.RFC3339), Engine: string(src.DB.Engine()), SchemaVersion: cur}
	paths := map[string]string{}
	progress("snapshot", 0, 0)
	switch src.DB.Engine() {
	case store.SQLite:
		p := filepath.Join(tmp, "db.sqlite")
		// VACUUM INTO writes a consistent, compact copy while the store runs.
		if _, err := src.DB.Exec(ctx, `VACUUM INTO ?`, p); err != nil {
			return nil, fmt.Errorf("backup: snapshot: %w", err)
		}
		paths["db.sqlite"] = p
	case store.Postgres:
		p := filepath.Join(tmp, "db.pgdump")
		cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", p, "--dbname", src.DSN)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("backup: pg_dump: %v: %s", err, out)
		}
		paths["db.pgdump"] = p
	}
	for _, f := range []string{"ca/root.pem", "ca/intermediate.pem", "ca/root.key.age", "ca/intermediate.key.age",
		// The audit log's checkpoint key: a restored store goes on
		// signing the same log.
		"audit-checkpoint.key", "audit-checkpoint.key.pub"} {
		p := filepath.Join(src.DataDir, filepath.FromSlash(f))
		if _, err := os.Stat(p); err == nil {
			paths[f] = p
		}
	}
	var total int64
	for _, name := range sortedKeys(paths) {
		sum, size, err := hashFile(paths[name])
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, File{Name: name, Size: size, SHA256: sum})
		total += size
	}
	manifest, sig, err := signManifest(key, m)
	if err != nil {
		return nil, err
	}
	enc, err := age.Encrypt(w, recipients...)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(enc)
	for _, e := range []struct {
		name string
		data []byte
	}{{manifestName, manifest}, {signatureName, sig}} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o600, Size: int64(len(e.data))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	var done int64
	for _, f := range m.Files {
		if err := tw.WriteHeader(&tar.Header{Name: f.Name, Mode: 0o600, Size: f.Size}); err != nil {
			return nil, err
		}
		in, err := os.Open(paths[f.Name])
		if err != nil {
			return nil, err
		}
		n, err := io.Copy(tw, in)
		in.Close()
		if err != nil {
			return nil, err
		}
		done += n
		progress("write", done, total)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return &m, nil
}

func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}
