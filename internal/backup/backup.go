// Package backup writes, verifies and restores Citadel backups.
//
// A backup is one file: an age-encrypted (X25519 recipients or a
// passphrase) tar stream whose first entry is a manifest (engine, schema
// version, every file's size and SHA-256), the second the manifest's
// Ed25519 signature by the platform's backup key, then the files: a
// consistent database snapshot (SQLite's VACUUM INTO, or pg_dump's custom
// format) and the CA's files (its keys stay encrypted under the CA
// passphrase). The keyring's master key is never in a backup: without it
// the sealed fields inside cannot be read, which is the point.
package backup

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Manifest describes a backup's contents.
type Manifest struct {
	Format        int    `json:"format"`
	CreatedAt     string `json:"created_at"`
	Engine        string `json:"engine"`
	SchemaVersion int    `json:"schema_version"`
	Files         []File `json:"files"`
}

// File is one entry of the backup.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

const (
	manifestName  = "manifest.json"
	signatureName = "manifest.sig"
	formatV1      = 1
	// maxManifest bounds what Verify reads before checking a signature.
	maxManifest = 1 << 20
)

// Errors callers distinguish.
var (
	ErrSignature = errors.New("backup: the manifest's signature does not verify with this backup key")
	ErrCorrupt   = errors.New("backup: the file is truncated or altered")
	ErrNotEmpty  = errors.New("backup: restore target is not empty")
)

// LoadOrCreateKey reads the Ed25519 backup-signing key from path (0600),
// creating it (and path+".pub") when missing.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(priv.Seed())+"\n"), 0o600); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path+".pub", []byte(EncodePublicKey(pub)+"\n"), 0o644); err != nil {
			return nil, err
		}
		return priv, nil
	}
	if err != nil {
		return nil, err
	}
	if fi, _ := os.Stat(path); fi != nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("backup key %s has mode %04o: run chmod 600 on it", path, fi.Mode().Perm())
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("backup key %s is not a base64 Ed25519 seed", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// EncodePublicKey renders a backup public key as text.
func EncodePublicKey(pub ed25519.PublicKey) string {
	return "citadel-backup-ed25519:" + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads a key written by EncodePublicKey (or a file holding one).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if b, err := os.ReadFile(s); err == nil {
		s = strings.TrimSpace(string(b))
	}
	rest, ok := strings.CutPrefix(s, "citadel-backup-ed25519:")
	raw, err := base64.StdEncoding.DecodeString(rest)
	if !ok || err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, errors.New("backup public key: want citadel-backup-ed25519:<base64>")
	}
	return ed25519.PublicKey(raw), nil
}

func signManifest(key ed25519.PrivateKey, m Manifest) (manifest, sig []byte, err error) {
	manifest, err = json.Marshal(m)
	if err != nil {
		return nil, nil, err
	}
	return manifest, []byte(base64.StdEncoding.EncodeToString(ed25519.Sign(key, manifest))), nil
}

// safeName refuses paths that could escape a restore directory.
func safeName(name string) bool {
	return name != "" && !strings.HasPrefix(name, "/") && !strings.Contains(name, "..") &&
		filepath.Clean(name) == name && !strings.Contains(name, "\\")
}
