package mfa

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
)

// Recovery codes let a user in when the authenticator is lost. Each is
// shown once, stored only as a hash, and removed by the caller once used.
const (
	recoveryCount = 10
	recoveryLen   = 10 // characters, without the dash
	// recoveryAlphabet leaves out 0, o, 1, l and i, which are misread on
	// paper and in many fonts: 31 symbols, so 10 characters carry
	// 10·log2(31) ≈ 49.5 bits.
	recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"
)

// NewRecoveryCodes returns ten distinct codes to show the user once,
// formatted "xxxxx-xxxxx", and their hashes under HashRecoveryCode with no
// key. Callers with a server-side key should store
// HashRecoveryCode(key, plain[i]) instead.
func NewRecoveryCodes() (plain []string, hashes [][]byte) {
	seen := make(map[string]bool, recoveryCount)
	for len(plain) < recoveryCount {
		c := randomString(recoveryAlphabet, recoveryLen)
		if seen[c] { // about 2^-43 per batch, but the promise is "distinct"
			continue
		}
		seen[c] = true
		plain = append(plain, c[:5]+"-"+c[5:])
		hashes = append(hashes, HashRecoveryCode(nil, c))
	}
	return plain, hashes
}

// NormalizeRecoveryCode removes spaces and dashes, lowercases ASCII
// letters, and checks the result is ten characters of the recovery
// alphabet, so "ABCDE-FGHJK" and " abcde fghjk " are the same code. It
// returns ErrMalformedCode otherwise.
func NormalizeRecoveryCode(s string) (string, error) {
	if len(s) > 4*recoveryLen { // bound the work on hostile input
		return "", ErrMalformedCode
	}
	b := make([]byte, 0, recoveryLen)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		// Byte-wise on purpose: strings.ToLower would turn the Kelvin sign
		// into 'k', so two different inputs would spell one code.
		if strings.IndexByte(recoveryAlphabet, c) < 0 {
			return "", ErrMalformedCode
		}
		b = append(b, c)
	}
	if len(b) != recoveryLen {
		return "", ErrMalformedCode
	}
	return string(b), nil
}

// HashRecoveryCode returns the value to store for a recovery code: the
// HMAC-SHA-256 of its normalized form under key, or plain SHA-256 if key
// is empty. A fast hash is enough here, unlike for passwords: the codes
// are random with ~50 bits each, so even a leaked table of unkeyed hashes
// costs about 2^49 hash computations per code to invert, and a key kept
// outside the database (keyring) makes a leaked table alone useless. A
// slow hash would only make each sign-in compare ten times slower.
//
// Input that does not normalize is hashed as is; it cannot equal a
// normalized code, so it never matches a stored hash.
func HashRecoveryCode(key []byte, code string) []byte {
	if n, err := NormalizeRecoveryCode(code); err == nil {
		code = n
	}
	if len(key) == 0 {
		sum := sha256.Sum256([]byte(code))
		return sum[:]
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(code))
	return mac.Sum(nil)
}

// MatchRecoveryCode reports which stored hash, if any, the code matches.
// It compares against every hash without stopping early, so timing says
// nothing about the position of a match. Used codes should be removed by
// the caller; a nil entry never matches.
func MatchRecoveryCode(key []byte, code string, hashes [][]byte) (index int, ok bool) {
	n, err := NormalizeRecoveryCode(code)
	if err != nil {
		return -1, false
	}
	h := HashRecoveryCode(key, n)
	index, found := -1, 0
	for i, stored := range hashes {
		eq := subtle.ConstantTimeCompare(h, stored)
		index = subtle.ConstantTimeSelect(eq&^found, i, index)
		found |= eq
	}
	return index, found == 1
}

// randomString returns n characters drawn uniformly from alphabet (at most
// 256 symbols) using crypto/rand. Bytes at or above the largest multiple
// of len(alphabet) are discarded, because keeping them with a modulo would
// make the first 256%len symbols more likely.
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		rand.Read(buf[:]) // never fails since Go 1.24
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}
