// Package evidence makes and checks the documents that let the parties to
// a sale prove later what was agreed: canonical JSON, the SET-style split
// of order information (OI) and payment instruction (PI) under one dual
// hash, the buyer's signature over it (a passkey assertion, or a session
// attestation by the platform when the buyer has no passkey), order
// receipts countersigned by the platform's Ed25519 receipt key with the
// merchants' acceptances appended, and B2B purchase agreements signed by
// both parties with a passkey or a platform-issued client certificate.
//
// Every evidence file is one canonical JSON document (see Canonical), so
// it has exactly one byte form: a changed byte either breaks the form or a
// signature. VerifyReceipt and VerifyContract need nothing but the file,
// the platform's published public key and (for contracts) the CA root:
// no database, no network. The package knows nothing of HTTP or storage.
//
// Trust, stated once: the platform's signature is what binds an account
// to a passkey credential, what vouches for a session-attested
// confirmation (there is no buyer signature then, and the proof says so),
// and what fixes every timestamp. A passkey assertion or certificate
// signature adds the signer's own proof on top of that, not instead of it.
package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Errors callers tell apart with errors.Is. Each wraps a cause for the log.
var (
	// ErrMalformed: the bytes are not JSON under this package's rules
	// (UTF-8, integers within ±(2^53-1), no duplicate keys, size and depth
	// limits). Refuse the input; nothing about it can be trusted.
	ErrMalformed = errors.New("evidence: malformed JSON")
	// ErrNotCanonical: well-formed JSON, but not in its one canonical
	// form (whitespace, key order, escapes, -0). A signed document is
	// never re-encoded to fix this: refuse it.
	ErrNotCanonical = errors.New("evidence: JSON is not canonical")
	// ErrInvalidDocument: a document is missing a field, has an unknown
	// one, or its content breaks a rule (totals that do not add up, a
	// currency mismatch, an empty order). On the signing side it is the
	// caller's bug or bad input; answer 400 where it came from a user.
	ErrInvalidDocument = errors.New("evidence: invalid document")
	// ErrVerify: the evidence does not prove what it claims. Every
	// failure of a Verify function wraps it (together with the more
	// precise error, where there is one). Show "this file does not
	// verify" and the wrapped reason; never treat it as partially valid.
	ErrVerify = errors.New("evidence: does not verify")
	// ErrUnknownKey: the evidence was signed by another platform key than
	// the one given (it also wraps ErrVerify). Fetch the published key
	// with the ID in the message, after a key rotation, and try again.
	ErrUnknownKey = errors.New("evidence: signed by another key")
)

// Digest is a SHA-256 hash. It is written as 64 lower-case hex digits.
type Digest [32]byte

// Sum is the SHA-256 of b.
func Sum(b []byte) Digest { return sha256.Sum256(b) }

func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// IsZero reports whether d is all zero, which this package uses for "none".
func (d Digest) IsZero() bool { return d == Digest{} }

// ParseDigest accepts exactly 64 lower-case hex digits.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	if len(s) != 64 {
		return d, fmt.Errorf("%w: digest of %d characters, want 64", ErrInvalidDocument, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return d, fmt.Errorf("%w: digest is not lower-case hex", ErrInvalidDocument)
		}
	}
	hex.Decode(d[:], []byte(s))
	return d, nil
}

// Assurance is how strongly a party's consent is proven.
type Assurance string

const (
	// AssurancePasskey: the party's WebAuthn authenticator signed the
	// document hash with user verification. The proof holds the assertion
	// and anyone can check the signature; that the credential belongs to
	// the named account is the platform's word (from registration).
	AssurancePasskey Assurance = "passkey-signed"
	// AssuranceSession: no signature by the party. The platform attests
	// that a signed-in session of the account, at the recorded
	// authentication level, confirmed. Weaker: it rests on the platform
	// alone, and the proof says so.
	AssuranceSession Assurance = "session-attested"
)

// AuthLevel is how a session-attested party had signed in.
type AuthLevel string

const (
	AuthPassword    AuthLevel = "password"
	AuthPasswordMFA AuthLevel = "password+mfa"
)

func (l AuthLevel) valid() bool { return l == AuthPassword || l == AuthPasswordMFA }
