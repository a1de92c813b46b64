// Package passkeytest is a software WebAuthn authenticator for tests: it
// answers the options JSON that package passkey hands to the browser with
// the JSON a browser would post back, using real P-256 keys and signatures
// and "none" attestation. Options let a test forge one thing at a time (the
// origin, the challenge, the RP ID, the counter, the signing key) to check
// that the server refuses it.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// AAGUID is the authenticator model this one claims (an arbitrary value).
var AAGUID = [16]byte{0xc1, 0x7a, 0xde, 0x1e, 0x5e, 0xc0, 0x4e, 0x75, 0x8a, 0x55, 0x6b, 0x3e, 0x79, 0x00, 0x00, 0x01}

// Flags of the authenticator data.
const (
	FlagUP = 0x01 // user present
	FlagUV = 0x04 // user verified
	FlagBE = 0x08 // backup eligible
	FlagBS = 0x10 // backed up
	FlagAT = 0x40 // attested credential data included
)

// Credential is a key the authenticator holds.
type Credential struct {
	ID         []byte
	Key        *ecdsa.PrivateKey
	RPID       string
	UserHandle []byte
	Counter    uint32
}

// Authenticator is a software authenticator used from one origin. Its
// zero value is not usable: call New.
type Authenticator struct {
	Origin string
	// ZeroCounter makes it report a counter of 0 on every use, as synced
	// passkeys do.
	ZeroCounter bool

	mu    sync.Mutex
	creds []*Credential
}

// New returns an authenticator that reports origin as the page's origin.
func New(origin string) *Authenticator { return &Authenticator{Origin: origin} }

// Credentials returns the keys made so far, oldest first.
func (a *Authenticator) Credentials() []*Credential {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.creds)
}

// ceremony collects what an Option may forge.
type ceremony struct {
	origin    string
	challenge []byte
	rpID      string // for the RP ID hash; "" means the options' rpId
	flags     byte
	counter   *uint32
	signer    *ecdsa.PrivateKey
	credID    []byte
	clientTyp string
}

// Option forges one part of a response.
type Option func(*ceremony)

// WithOrigin reports another origin in the client data.
func WithOrigin(origin string) Option { return func(c *ceremony) { c.origin = origin } }

// WithChallenge signs another challenge than the server's.
func WithChallenge(ch []byte) Option { return func(c *ceremony) { c.challenge = ch } }

// WithRPID hashes another RP ID into the authenticator data.
func WithRPID(rpID string) Option { return func(c *ceremony) { c.rpID = rpID } }

// WithFlags sets the authenticator data flags (AT is added for registration).
func WithFlags(f byte) Option { return func(c *ceremony) { c.flags = f } }

// WithCounter reports this counter instead of the next one, and does not
// advance the authenticator's own.
func WithCounter(n uint32) Option { return func(c *ceremony) { c.counter = &n } }

// WithSigner signs with another key than the credential's.
func WithSigner(k *ecdsa.PrivateKey) Option { return func(c *ceremony) { c.signer = k } }

// WithCredential uses this credential ID (an assertion) even if the
// options do not allow it.
func WithCredential(id []byte) Option { return func(c *ceremony) { c.credID = id } }

// WithClientDataType reports another ceremony type in the client data.
func WithClientDataType(t string) Option { return func(c *ceremony) { c.clientTyp = t } }

// options is the part of the server's JSON the authenticator reads.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func unb64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func (a *Authenticator) start(optionsJSON []byte, opts []Option) (*options, *ceremony, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, nil, fmt.Errorf("passkeytest: options: %w", err)
	}
	ch, err := unb64(o.PublicKey.Challenge)
	if err != nil {
		return nil, nil, fmt.Errorf("passkeytest: challenge: %w", err)
	}
	c := &ceremony{origin: a.Origin, challenge: ch, flags: FlagUP | FlagUV}
	for _, opt := range opts {
		opt(c)
	}
	return &o, c, nil
}

func (c *ceremony) clientData(typ string) []byte {
	if c.clientTyp != "" {
		typ = c.clientTyp
	}
	b, _ := json.Marshal(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{typ, b64(c.challenge), c.origin, false})
	return b
}

func authDataHeader(rpID string, flags byte, counter uint32) []byte {
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, counter)
}

// COSEKey encodes a P-256 public key as a COSE_Key (ES256).
func COSEKey(pub *ecdsa.PublicKey) []byte {
	pt, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	return coseES256(pt[1:33], pt[33:65])
}

// NewKey returns a fresh P-256 key.
func NewKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

var errNoCredential = errors.New("passkeytest: no credential for these options")

// Sign makes a WebAuthn assertion signature: ECDSA (ASN.1 DER) over
// authData || SHA-256(clientDataJSON).
func Sign(k *ecdsa.PrivateKey, authData, clientDataJSON []byte) ([]byte, error) {
	h := sha256.Sum256(clientDataJSON)
	digest := sha256.Sum256(slices.Concat(authData, h[:]))
	return ecdsa.SignASN1(rand.Reader, k, digest[:])
}
