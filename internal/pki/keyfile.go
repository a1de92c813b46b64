package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"

	"filippo.io/age"
)

const (
	defaultWorkFactor = 18
	// maxWorkFactor bounds the scrypt work a key file may demand on load,
	// so a tampered file cannot make start-up hang for minutes.
	maxWorkFactor = 22
	// maxKeyFile bounds what is read from a key file: a P-256 PKCS#8 key
	// sealed by age is a few hundred bytes.
	maxKeyFile = 16 << 10
)

// sealKey encodes key as PKCS#8 and encrypts it to the passphrase.
func sealKey(key *ecdsa.PrivateKey, passphrase []byte, workFactor int) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	defer wipe(der)
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("age recipient: %w", err)
	}
	r.SetWorkFactor(workFactor)
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, fmt.Errorf("age encrypt: %w", err)
	}
	if _, err := w.Write(der); err != nil {
		return nil, fmt.Errorf("age encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("age encrypt: %w", err)
	}
	return out.Bytes(), nil
}

// openKeyFile decrypts and parses the ECDSA key in path. A wrong
// passphrase wraps ErrBadPassphrase; anything else wrong with the file
// wraps ErrCorrupt. Both name the file.
func openKeyFile(path string, passphrase []byte) (*ecdsa.PrivateKey, error) {
	sealed, err := readLimited(path, maxKeyFile)
	if err != nil {
		return nil, err
	}
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, fmt.Errorf("age identity: %w", err)
	}
	id.SetMaxWorkFactor(maxWorkFactor)
	r, err := age.Decrypt(bytes.NewReader(sealed), id)
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, fmt.Errorf("CA passphrase does not decrypt %s: %w", path, ErrBadPassphrase)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrCorrupt, err)
	}
	der, err := io.ReadAll(io.LimitReader(r, maxKeyFile))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrCorrupt, err)
	}
	defer wipe(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrCorrupt, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: %w: key is %T, want ECDSA", path, ErrCorrupt, k)
	}
	return ek, nil
}

// readLimited reads a whole CA file, refusing anything that is not a
// regular file or is larger than limit. A missing file wraps ErrCorrupt.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s is missing: %w", path, ErrCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file: %w", path, ErrCorrupt)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes: %w", path, limit, ErrCorrupt)
	}
	return b, nil
}

// wipe clears secret bytes once they are no longer needed. It is best
// effort (the garbage collector may have copied them) but shortens the
// time key material sits in memory.
func wipe(b []byte) { clear(b) }
