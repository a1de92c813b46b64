package keyring

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// BlindIndex returns a keyed hash of value for equality lookups on an
// encrypted column (sign-in by email, a customer by phone). The purpose
// separates indexes, so equal values in two columns do not match each
// other. Callers normalize the value first (lowercase an email, say).
func (k *Keyring) BlindIndex(purpose, value string) []byte {
	m := hmac.New(sha256.New, k.blind)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(purpose)))
	m.Write(n[:])
	m.Write([]byte(purpose))
	m.Write([]byte(value))
	return m.Sum(nil)
}
