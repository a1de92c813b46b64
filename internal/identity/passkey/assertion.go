package passkey

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// Assertion is a verified WebAuthn signature over a document hash, kept
// whole so anyone can check it later without this service: the signature
// covers AuthenticatorData || SHA-256(ClientDataJSON), and ClientDataJSON
// carries Challenge (base64url) as its "challenge".
type Assertion struct {
	AccountID         string
	CredentialID      string // base64url of the credential ID
	Challenge         []byte // the document hash given to BeginSign
	AuthenticatorData []byte
	ClientDataJSON    []byte
	Signature         []byte // as the authenticator made it (DER for ECDSA)
	PublicKey         []byte // the credential's COSE_Key
}

// Flag bits of the authenticator data (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
)

// Verify checks the assertion offline: that ClientDataJSON is a
// "webauthn.get" from origin over Challenge, that the authenticator data
// is for rpID with the user present and verified, and that Signature is
// PublicKey's over both. It does not check the signature counter, which
// only the live service can.
func (a Assertion) Verify(rpID, origin string) error {
	var cd struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		Origin    string `json:"origin"`
	}
	if err := json.Unmarshal(a.ClientDataJSON, &cd); err != nil {
		return fmt.Errorf("%w: client data: %v", ErrInvalidResponse, err)
	}
	if cd.Type != string(protocol.AssertCeremony) {
		return fmt.Errorf("%w: client data type %q", ErrInvalidResponse, cd.Type)
	}
	if got, err := base64.RawURLEncoding.DecodeString(cd.Challenge); err != nil || len(a.Challenge) == 0 || !bytes.Equal(got, a.Challenge) {
		return fmt.Errorf("%w: challenge does not match", ErrInvalidResponse)
	}
	if cd.Origin != origin {
		return fmt.Errorf("%w: origin %q", ErrInvalidResponse, cd.Origin)
	}
	if len(a.AuthenticatorData) < 37 {
		return fmt.Errorf("%w: authenticator data too short", ErrInvalidResponse)
	}
	rpHash := sha256.Sum256([]byte(rpID))
	if !bytes.Equal(a.AuthenticatorData[:32], rpHash[:]) {
		return fmt.Errorf("%w: RP ID hash does not match", ErrInvalidResponse)
	}
	if f := a.AuthenticatorData[32]; f&flagUP == 0 || f&flagUV == 0 {
		return fmt.Errorf("%w: user not present and verified", ErrInvalidResponse)
	}
	key, err := webauthncose.ParsePublicKey(a.PublicKey)
	if err != nil {
		return fmt.Errorf("%w: public key: %v", ErrInvalidResponse, err)
	}
	cdHash := sha256.Sum256(a.ClientDataJSON)
	ok, err := webauthncose.VerifySignature(key, slices.Concat(a.AuthenticatorData, cdHash[:]), a.Signature)
	if err == nil && !ok {
		err = errors.New("signature does not verify")
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	return nil
}
