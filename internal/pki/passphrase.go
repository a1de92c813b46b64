package pki

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

const maxPassphraseFile = 1 << 10

// passphraseSource says where the passphrase came from, which decides
// whether creation must write it next to the keys.
type passphraseSource int

const (
	fromOptions passphraseSource = iota
	fromFile
	generated
)

// resolvePassphrase applies the rules documented on LoadOrCreate. creating
// says whether a missing file may be replaced by a fresh passphrase.
func resolvePassphrase(opts Options, path string, creating bool) ([]byte, passphraseSource, error) {
	if len(opts.Passphrase) > 0 {
		return clone(opts.Passphrase), fromOptions, nil
	}
	p, err := readPassphraseFile(path)
	if err == nil {
		return p, fromFile, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, 0, err
	}
	if !creating {
		return nil, 0, fmt.Errorf("%s does not exist and Options.Passphrase is empty: %w", path, ErrNoPassphrase)
	}
	p, err = generatePassphrase()
	if err != nil {
		return nil, 0, err
	}
	return p, generated, nil
}

// readPassphraseFile reads a passphrase file that only its owner may read
// or write. Surrounding white space (an editor's newline) is dropped. A
// missing file wraps fs.ErrNotExist.
func readPassphraseFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open CA passphrase: %w", err)
	}
	defer f.Close()
	// Stat the open file, not the path, so the mode checked is the mode of
	// the bytes read.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file: %w", path, ErrInsecureFile)
	}
	if perm := fi.Mode().Perm(); perm&^0o600 != 0 {
		return nil, fmt.Errorf("%s has mode %04o, want 0600 or stricter: %w", path, perm, ErrInsecureFile)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPassphraseFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxPassphraseFile {
		return nil, fmt.Errorf("%s is larger than %d bytes: %w", path, maxPassphraseFile, ErrCorrupt)
	}
	p := bytes.TrimSpace(b)
	if len(p) == 0 {
		return nil, fmt.Errorf("%s is empty: %w", path, ErrCorrupt)
	}
	return clone(p), nil
}

// generatePassphrase returns 32 random bytes in unpadded base64url, so the
// file is printable and safe to copy into a password manager.
func generatePassphrase() ([]byte, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("generate CA passphrase: %w", err)
	}
	out := make([]byte, base64.RawURLEncoding.EncodedLen(len(raw)))
	base64.RawURLEncoding.Encode(out, raw[:])
	return out, nil
}
