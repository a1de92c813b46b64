// Package ids makes the random identifiers Citadel puts in URLs and rows:
// a short type prefix and 128 random bits in lowercase base32, never a
// sequence that reveals counts or invites enumeration.
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var enc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// New returns prefix_ followed by 26 characters of randomness.
func New(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + "_" + enc.EncodeToString(b)
}

// Valid reports whether s looks like an ID made by New with this prefix,
// so handlers can refuse malformed IDs before touching the database.
func Valid(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != 26 {
		return false
	}
	_, err := enc.DecodeString(rest)
	return err == nil
}

// Token returns n random bytes as unpadded base32 text: for links and
// session IDs, which are stored only hashed.
func Token(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.TrimRight(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), "=")
}
