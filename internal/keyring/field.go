package keyring

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
)

// Field names where a value lives. All three are bound into its
// ciphertext: the same bytes under another table, column or row do not
// decrypt.
type Field struct {
	Table, Column, Row string
}

// Ciphertext is a sealed field as stored: a header (format, class, key
// version), a nonce, and the AES-256-GCM output. It is a distinct type so
// that a plaintext cannot be stored where a ciphertext belongs by mistake.
type Ciphertext []byte

const (
	formatV1  = 0x01
	headerLen = 1 + 1 + 4 // format, class, version
	nonceLen  = 12
)

// ErrDecrypt means a ciphertext does not open: it was altered, moved to
// another field, or sealed under a key this keyring does not hold.
var ErrDecrypt = errors.New("keyring: ciphertext does not decrypt for this field")

// Seal encrypts plaintext for field f under class c's current key. A
// version another node created by Rotate is picked up within the refresh
// interval (see WithRefresh).
func (k *Keyring) Seal(ctx context.Context, c Class, f Field, plaintext []byte) (Ciphertext, error) {
	if !sealed(c) {
		return nil, fmt.Errorf("keyring: class %s is not sealed", c)
	}
	v := k.currentVersion(ctx, c)
	a, err := k.aead(ctx, keyID{c, v})
	if err != nil {
		return nil, err
	}
	return seal(a, c, v, f, plaintext), nil
}

// SealString is Seal for text.
func (k *Keyring) SealString(ctx context.Context, c Class, f Field, s string) (Ciphertext, error) {
	return k.Seal(ctx, c, f, []byte(s))
}

// Open decrypts a ciphertext sealed for field f, with whichever key
// version sealed it.
func (k *Keyring) Open(ctx context.Context, f Field, ct Ciphertext) ([]byte, error) {
	c, v, err := parseHeader(ct)
	if err != nil {
		return nil, err
	}
	if c == personal {
		return nil, fmt.Errorf("%w: a personal ciphertext opens only with OpenFor", ErrDecrypt)
	}
	a, err := k.aead(ctx, keyID{c, v})
	if err != nil {
		return nil, err
	}
	return open(a, f, ct)
}

// OpenString is Open for text.
func (k *Keyring) OpenString(ctx context.Context, f Field, ct Ciphertext) (string, error) {
	b, err := k.Open(ctx, f, ct)
	return string(b), err
}

// ClassOf reports the class and key version a ciphertext was sealed with.
func ClassOf(ct Ciphertext) (Class, uint32, error) { return parseHeader(ct) }

func seal(a interface {
	Seal(dst, nonce, plaintext, ad []byte) []byte
}, c Class, v uint32, f Field, plaintext []byte) Ciphertext {
	out := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(plaintext)+16)
	out[0], out[1] = formatV1, byte(c)
	binary.BigEndian.PutUint32(out[2:6], v)
	rand.Read(out[headerLen : headerLen+nonceLen])
	return a.Seal(out, out[headerLen:headerLen+nonceLen], plaintext, fieldAD(out[:headerLen], f))
}

func open(a interface {
	Open(dst, nonce, ciphertext, ad []byte) ([]byte, error)
}, f Field, ct Ciphertext) ([]byte, error) {
	if len(ct) < headerLen+nonceLen+16 {
		return nil, ErrDecrypt
	}
	pt, err := a.Open(nil, ct[headerLen:headerLen+nonceLen], ct[headerLen+nonceLen:], fieldAD(ct[:headerLen], f))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

func parseHeader(ct Ciphertext) (Class, uint32, error) {
	if len(ct) < headerLen+nonceLen+16 || ct[0] != formatV1 {
		return 0, 0, ErrDecrypt
	}
	return Class(ct[1]), binary.BigEndian.Uint32(ct[2:6]), nil
}

// fieldAD binds the header and the field's place. Lengths prefix each part
// so that ("ab","c") and ("a","bc") differ.
func fieldAD(header []byte, f Field) []byte {
	ad := append([]byte("citadel field v1\x00"), header...)
	for _, s := range []string{f.Table, f.Column, f.Row} {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(s)))
		ad = append(ad, s...)
	}
	return ad
}
