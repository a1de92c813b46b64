package evidence

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// PasskeyAssertion is a WebAuthn assertion whose challenge is a document
// hash (a dual hash, an acceptance challenge or a contract signing
// challenge), kept whole so anyone can check it offline. The fields are
// those of passkey.Assertion from internal/identity/passkey (FinishSign),
// plus the relying party the platform checked it for.
type PasskeyAssertion struct {
	CredentialID      string // base64url of the credential ID
	RPID              string // e.g. "shop.example"
	Origin            string // e.g. "https://shop.example"
	AuthenticatorData []byte
	ClientDataJSON    []byte
	Signature         []byte // as the authenticator made it (DER for ECDSA)
	PublicKey         []byte // the credential's COSE_Key, as passkey stores it
}

// Flag bits of the authenticator data (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
)

// maxClientData bounds the client data a browser sends; real ones are
// about 150 bytes.
const maxClientData = 4 << 10

// verify checks that the assertion signs challenge: ClientDataJSON is a
// "webauthn.get" from Origin, not cross-origin, over challenge; the
// authenticator data names RPID with the user present and verified (the
// passkey service's signing ceremony requires verification); RPID is
// Origin's host or a parent of it; and Signature is PublicKey's over
// AuthenticatorData || SHA-256(ClientDataJSON). ES256, EdDSA and the RSA
// algorithms are accepted, as go-webauthn parses them. The signature
// counter is not checked: only the live service can.
func (a *PasskeyAssertion) verify(challenge Digest) error {
	if err := checkRelyingParty(a.RPID, a.Origin); err != nil {
		return err
	}
	if len(a.ClientDataJSON) > maxClientData {
		return fmt.Errorf("%w: client data too large", ErrVerify)
	}
	// The lenient parser refuses duplicate keys, so no two readers of this
	// client data can disagree on its challenge or origin.
	v, err := parse(a.ClientDataJSON, true)
	if err != nil {
		return fmt.Errorf("%w: client data: %v", ErrVerify, err)
	}
	cd, _ := v.(map[string]any)
	if typ, _ := cd["type"].(string); typ != "webauthn.get" {
		return fmt.Errorf("%w: client data type %q, want webauthn.get", ErrVerify, typ)
	}
	ch, _ := cd["challenge"].(string)
	got, err := b64.DecodeString(strings.TrimRight(ch, "="))
	if err != nil || !bytes.Equal(got, challenge[:]) {
		return fmt.Errorf("%w: passkey signed another challenge", ErrVerify)
	}
	if origin, _ := cd["origin"].(string); origin != a.Origin {
		return fmt.Errorf("%w: client data origin %q, want %q", ErrVerify, origin, a.Origin)
	}
	if cross, ok := cd["crossOrigin"]; ok && cross != false {
		return fmt.Errorf("%w: cross-origin assertion", ErrVerify)
	}
	if len(a.AuthenticatorData) < 37 {
		return fmt.Errorf("%w: authenticator data too short", ErrVerify)
	}
	rpHash := sha256.Sum256([]byte(a.RPID))
	if !bytes.Equal(a.AuthenticatorData[:32], rpHash[:]) {
		return fmt.Errorf("%w: authenticator data is for another RP ID", ErrVerify)
	}
	if f := a.AuthenticatorData[32]; f&flagUP == 0 || f&flagUV == 0 {
		return fmt.Errorf("%w: user not present and verified", ErrVerify)
	}
	key, err := webauthncose.ParsePublicKey(a.PublicKey)
	if err != nil {
		return fmt.Errorf("%w: passkey public key: %v", ErrVerify, err)
	}
	cdHash := sha256.Sum256(a.ClientDataJSON)
	ok, err := webauthncose.VerifySignature(key, slices.Concat(a.AuthenticatorData, cdHash[:]), a.Signature)
	if err != nil || !ok {
		return fmt.Errorf("%w: passkey signature is not valid", ErrVerify)
	}
	return nil
}

// checkRelyingParty demands an https origin (http only for localhost)
// whose host is rpID or lies under it, as browsers do.
func checkRelyingParty(rpID, origin string) error {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%w: origin %q", ErrVerify, origin)
	}
	host := u.Hostname()
	if u.Scheme != "https" && !(u.Scheme == "http" && host == "localhost") {
		return fmt.Errorf("%w: origin %q is not https", ErrVerify, origin)
	}
	if rpID == "" || host != rpID && !strings.HasSuffix(host, "."+rpID) {
		return fmt.Errorf("%w: RP ID %q does not cover origin %q", ErrVerify, rpID, origin)
	}
	return nil
}

func (a *PasskeyAssertion) value() map[string]any {
	return map[string]any{
		"credential_id": a.CredentialID, "rp_id": a.RPID, "origin": a.Origin,
		"authenticator_data": b64.EncodeToString(a.AuthenticatorData),
		"client_data_json":   b64.EncodeToString(a.ClientDataJSON),
		"signature":          b64.EncodeToString(a.Signature),
		"public_key":         b64.EncodeToString(a.PublicKey),
	}
}

func decodePasskey(o *obj) *PasskeyAssertion {
	a := &PasskeyAssertion{CredentialID: o.str("credential_id"), RPID: o.str("rp_id"), Origin: o.str("origin"),
		AuthenticatorData: o.bytes("authenticator_data"), ClientDataJSON: o.bytes("client_data_json"),
		Signature: o.bytes("signature"), PublicKey: o.bytes("public_key")}
	if err := a.check(); err != nil && *o.err == nil {
		*o.err = err
	}
	o.done()
	return a
}

// check is what the signing side can check before verifying: the shape
// of the credential ID and the relying party.
func (a *PasskeyAssertion) check() error {
	if id, err := b64.DecodeString(a.CredentialID); err != nil || len(id) == 0 || len(id) > 1023 {
		return fmt.Errorf("%w: passkey credential ID is not base64url", ErrInvalidDocument)
	}
	// Bounds well above real values (an RSA-4096 COSE key is about 540
	// bytes) that keep a hostile key from costing much to check.
	if len(a.PublicKey) > 1024 || len(a.Signature) > 1024 || len(a.AuthenticatorData) > 4096 {
		return fmt.Errorf("%w: passkey assertion field too large", ErrInvalidDocument)
	}
	if err := checkRelyingParty(a.RPID, a.Origin); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidDocument, err)
	}
	return nil
}
