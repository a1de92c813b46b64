package mfa

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"
)

// Errors returned by VerifyTOTP. Show the user one message for all of
// them ("that code did not work") and count each towards the account's
// rate limit: telling them apart would help whoever is guessing.
var (
	// ErrMalformedCode: the input is not a code at all (six ASCII digits for
	// TOTP and one-time codes, a recovery code of the right shape).
	ErrMalformedCode = errors.New("mfa: malformed code")
	// ErrBadCode: the code is well formed but wrong at this time.
	ErrBadCode = errors.New("mfa: wrong code")
	// ErrReplayed: the code is right but its time step is not later than
	// the last accepted one. A code seen on the wire or over a shoulder
	// must not work twice; log it, it may be an attack.
	ErrReplayed = errors.New("mfa: code already used")
)

// minSecretSize is the RFC 4226 §4 floor of 128 bits. A zero TOTPKey
// would otherwise verify codes anyone can compute from an empty key.
const minSecretSize = 16

// window is how many steps either side of now are accepted, for clock
// drift and the time it takes to type: RFC 6238 §5.2 recommends one.
const window = 1

// VerifyTOTP checks a 6-digit code against k at time now, accepting the
// step before and after the current one, and returns the time step
// (unix seconds / 30) that matched. The caller stores that step as the
// account's last accepted step and passes it back as lastStep (0 if none):
// any code whose step is not after lastStep is refused with ErrReplayed,
// so a code works once and an older code after a newer one never does.
func VerifyTOTP(k TOTPKey, code string, now time.Time, lastStep int64) (step int64, err error) {
	if len(k.Secret) < minSecretSize {
		return 0, fmt.Errorf("mfa: TOTP secret of %d bytes, want at least %d", len(k.Secret), minSecretSize)
	}
	c, err := parseDigits(code, codeDigits)
	if err != nil {
		return 0, err
	}
	cur := floorDiv(now.Unix(), stepPeriod)
	// Compare against every step in the window, without stopping at the
	// first match, so timing reveals nothing about which step (if any)
	// matched.
	var matched [2*window + 1]int
	for i := range matched {
		s := cur - window + int64(i)
		if s < 0 {
			continue
		}
		want := hotp(sha1.New, k.Secret, uint64(s), codeDigits)
		matched[i] = subtle.ConstantTimeCompare([]byte(c), []byte(want))
	}
	// Prefer the earliest fresh step: returning a later one would burn the
	// user's next code if two steps happen to share a code.
	replayed := false
	for i, m := range matched {
		if m != 1 {
			continue
		}
		s := cur - window + int64(i)
		if s <= lastStep {
			replayed = true
			continue
		}
		return s, nil
	}
	if replayed {
		return 0, ErrReplayed
	}
	return 0, ErrBadCode
}

// parseDigits removes ASCII spaces (apps and people write "123 456") and
// requires exactly n ASCII digits: no Unicode digits, signs or padding.
func parseDigits(s string, n int) (string, error) {
	if len(s) > 4*n { // bound the work on hostile input
		return "", ErrMalformedCode
	}
	s = strings.ReplaceAll(s, " ", "")
	if len(s) != n {
		return "", ErrMalformedCode
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", ErrMalformedCode
		}
	}
	return s, nil
}

// hotp computes an RFC 4226 HOTP value: HMAC of the big-endian counter,
// dynamic truncation to 31 bits, then the low digits in decimal with
// leading zeros. TOTP (RFC 6238) is hotp with counter = unix time / 30.
// The hash and digit count are parameters so the RFC 6238 Appendix B
// vectors (8 digits, SHA-1/256/512) can be checked; production uses
// SHA-1 and 6 digits. digits must be between 1 and 9.
func hotp(newHash func() hash.Hash, secret []byte, counter uint64, digits int) string {
	mac := hmac.New(newHash, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// floorDiv rounds towards minus infinity, so instants before 1970 map to
// negative steps (which never match) rather than to step 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
