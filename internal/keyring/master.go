package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Master wraps and unwraps data keys. Its key never leaves it: a local
// key held in memory, or an external key-management service.
type Master interface {
	// ID names the master key (a fingerprint, or the KMS key name) so a
	// wrapped key records which master wrapped it.
	ID() string
	Wrap(ctx context.Context, key, ad []byte) ([]byte, error)
	Unwrap(ctx context.Context, wrapped, ad []byte) ([]byte, error)
}

// ErrMasterKey means the master key cannot unwrap the stored data keys:
// the wrong key was given. Nothing was changed.
var ErrMasterKey = errors.New("master key does not unwrap the data keys (wrong master key?)")

// localMaster is a 256-bit AES-GCM key held in memory.
type localMaster struct {
	id   string
	aead cipher.AEAD
}

// NewLocalMaster makes a master from 32 raw key bytes.
func NewLocalMaster(key []byte) (Master, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("master key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	fp := sha256.Sum256(append([]byte("citadel master key id\x00"), key...))
	return &localMaster{id: "local:" + hex.EncodeToString(fp[:8]), aead: aead}, nil
}

func (m *localMaster) ID() string { return m.id }

func (m *localMaster) Wrap(_ context.Context, key, ad []byte) ([]byte, error) {
	nonce := make([]byte, m.aead.NonceSize())
	rand.Read(nonce)
	return m.aead.Seal(nonce, nonce, key, ad), nil
}

func (m *localMaster) Unwrap(_ context.Context, wrapped, ad []byte) ([]byte, error) {
	ns := m.aead.NonceSize()
	if len(wrapped) < ns+m.aead.Overhead() {
		return nil, ErrMasterKey
	}
	key, err := m.aead.Open(nil, wrapped[:ns], wrapped[ns:], ad)
	if err != nil {
		return nil, ErrMasterKey
	}
	return key, nil
}

// ParseMasterKey decodes a master key given as text: 64 hex digits or
// base64 (standard or URL alphabet) of 32 bytes.
func ParseMasterKey(s string) (Master, error) {
	s = strings.TrimSpace(s)
	var key []byte
	var err error
	switch {
	case len(s) == 64:
		key, err = hex.DecodeString(s)
	default:
		key, err = base64.StdEncoding.DecodeString(s)
		if err != nil {
			key, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
		}
	}
	if err != nil || len(key) != 32 {
		return nil, errors.New("master key: want 32 bytes as 64 hex digits or base64")
	}
	return NewLocalMaster(key)
}

// LoadMasterFile reads a master key file. The file must not be readable
// by group or others: a key others can read protects nothing.
func LoadMasterFile(path string) (Master, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s has mode %04o: run chmod 600 on it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	m, err := ParseMasterKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// CreateMasterFile generates a new random master key into path (0600),
// refusing to overwrite an existing file.
func CreateMasterFile(path string) (Master, error) {
	key := make([]byte, 32)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("master key file: %w", err)
	}
	return NewLocalMaster(key)
}
