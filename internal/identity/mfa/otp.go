package mfa

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
)

// One-time codes are sent by email or SMS and typed back: six digits,
// expiring within minutes. The caller stores the hash, its expiry and an
// attempt counter, and deletes it on success or after a few failures.
const (
	otpDigits   = 6
	otpSaltSize = 16
	otpHashSize = otpSaltSize + sha256.Size
)

// NewOTP returns a fresh six-digit code, each digit uniform (leading zeros
// included), and the value to store in its place.
//
// The stored value is a random salt followed by HMAC-SHA-256(salt, code).
// With a million possible codes no hash resists a determined offline
// search; the salt only stops one precomputed table from reading every
// row at once. What protects a code is its short life and the caller's
// attempt limit, while hashing keeps it out of database dumps and logs.
func NewOTP() (code string, hash []byte) {
	code = randomString("0123456789", otpDigits)
	salt := make([]byte, otpSaltSize)
	rand.Read(salt) // never fails since Go 1.24
	return code, otpHash(salt, code)
}

// CheckOTP reports whether code (six ASCII digits, spaces ignored) is the
// one hash was made for. The comparison takes the same time wherever the
// first difference is. Malformed codes and hashes are simply false.
func CheckOTP(code string, hash []byte) bool {
	c, err := parseDigits(code, otpDigits)
	if err != nil || len(hash) != otpHashSize {
		return false
	}
	want := otpHash(hash[:otpSaltSize], c)
	return subtle.ConstantTimeCompare(want, hash) == 1
}

func otpHash(salt []byte, code string) []byte {
	mac := hmac.New(sha256.New, salt)
	mac.Write([]byte(code))
	out := make([]byte, 0, otpHashSize)
	out = append(out, salt...)
	return mac.Sum(out)
}
