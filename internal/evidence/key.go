package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// ReceiptKey is the platform's Ed25519 evidence key: it signs receipts,
// merchants' acceptances, session attestations and sealed contracts, and
// nothing else (the CA and audit log keys are separate). Its text forms
// are those of golang.org/x/mod/sumdb/note keys, so the public key looks
// like the audit log's: "<name>+<8 hex digits>+<base64>". The key ID is
// "<name>+<8 hex digits>".
type ReceiptKey struct {
	priv ed25519.PrivateKey
	pub  PublicKey
	text string
}

// PublicKey is a receipt key's public half, safe to publish.
type PublicKey struct {
	id   string
	key  ed25519.PublicKey
	text string
}

// NewReceiptKey generates a key named name (e.g. "receipts.shop.example":
// no spaces or '+').
func NewReceiptKey(name string) (*ReceiptKey, error) {
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return nil, fmt.Errorf("evidence: new receipt key: %w", err)
	}
	return ParseReceiptKey(skey)
}

// ParseReceiptKey reads the text Marshal wrote.
func ParseReceiptKey(text string) (*ReceiptKey, error) {
	text = strings.TrimSpace(text)
	parts := strings.SplitN(text, "+", 5) // base64 may hold '+'; names may not
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return nil, errors.New("evidence: malformed receipt key")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("evidence: receipt key is not an Ed25519 note key")
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	vkey, err := note.NewEd25519VerifierKey(parts[2], priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("evidence: receipt key: %w", err)
	}
	pub, err := ParsePublicKey(vkey)
	if err != nil {
		return nil, err
	}
	if pub.id != parts[2]+"+"+parts[3] {
		return nil, errors.New("evidence: receipt key hash does not match the key")
	}
	return &ReceiptKey{priv: priv, pub: pub, text: text}, nil
}

// Marshal returns the private key's text. It is a secret: store it like
// the audit log's key (a 0600 file) or under the keyring.
func (k *ReceiptKey) Marshal() string { return k.text }

// Public returns the publishable half.
func (k *ReceiptKey) Public() PublicKey { return k.pub }

// String names the key without revealing it.
func (k *ReceiptKey) String() string { return "evidence.ReceiptKey(" + k.pub.id + ")" }

// GoString is String, so %#v does not print the private key either.
func (k *ReceiptKey) GoString() string { return k.String() }

// ParsePublicKey reads a public key as String writes it.
func ParsePublicKey(text string) (PublicKey, error) {
	text = strings.TrimSpace(text)
	parts := strings.SplitN(text, "+", 3)
	if len(parts) != 3 {
		return PublicKey{}, errors.New("evidence: malformed public key (want name+hash+key)")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 1 {
		return PublicKey{}, errors.New("evidence: public key is not an Ed25519 note key")
	}
	pub := ed25519.PublicKey(raw[1:])
	// Rebuilding the text checks the name and the hash in one go.
	want, err := note.NewEd25519VerifierKey(parts[0], pub)
	if err != nil || want != text {
		return PublicKey{}, errors.New("evidence: public key hash or name is invalid")
	}
	return PublicKey{id: parts[0] + "+" + parts[1], key: pub, text: text}, nil
}

// ID is the key ID that evidence files name.
func (p PublicKey) ID() string { return p.id }

// String is the publishable text form.
func (p PublicKey) String() string { return p.text }

// Signature purposes. The purpose is part of what is signed, so a
// signature made for one kind of statement never verifies as another.
const (
	purposeReceipt     = "receipt"
	purposeAcceptance  = "acceptance"
	purposeAttestation = "session-attestation"
	purposeContract    = "contract"
)

const signaturePrefix = "citadel-evidence-signature/v1\n"

func signedMessage(purpose string, body []byte) []byte {
	m := make([]byte, 0, len(signaturePrefix)+len(purpose)+1+len(body))
	m = append(append(append(m, signaturePrefix...), purpose...), '\n')
	return append(m, body...)
}

// sig is a platform signature as evidence files carry it.
type sig struct {
	KeyID string
	Sig   []byte
}

func (k *ReceiptKey) sign(purpose string, body []byte) sig {
	return sig{KeyID: k.pub.id, Sig: ed25519.Sign(k.priv, signedMessage(purpose, body))}
}

func (s sig) value() map[string]any {
	return map[string]any{"key_id": s.KeyID, "sig": b64.EncodeToString(s.Sig)}
}

func decodeSig(o *obj) sig {
	s := sig{KeyID: o.str("key_id"), Sig: o.bytes("sig")}
	o.done()
	return s
}

// verify checks s over body; the error wraps ErrVerify (and ErrUnknownKey
// when another key signed).
func (p PublicKey) verify(purpose string, body []byte, s sig) error {
	if p.key == nil {
		return fmt.Errorf("%w: no platform public key given", ErrVerify)
	}
	if s.KeyID != p.id {
		return fmt.Errorf("%w: %w: signed by %q, the key given is %q", ErrVerify, ErrUnknownKey, s.KeyID, p.id)
	}
	if len(s.Sig) != ed25519.SignatureSize || !ed25519.Verify(p.key, signedMessage(purpose, body), s.Sig) {
		return fmt.Errorf("%w: platform %s signature is not valid", ErrVerify, purpose)
	}
	return nil
}
