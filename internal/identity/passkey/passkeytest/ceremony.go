package passkeytest

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
)

// Register answers options for navigator.credentials.create: it makes a
// new key and returns the registration response JSON and the credential.
func (a *Authenticator) Register(optionsJSON []byte, opts ...Option) ([]byte, *Credential, error) {
	o, c, err := a.start(optionsJSON, opts)
	if err != nil {
		return nil, nil, err
	}
	rpID := o.PublicKey.RP.ID
	userHandle, err := unb64(o.PublicKey.User.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("passkeytest: user id: %w", err)
	}
	cred := &Credential{ID: make([]byte, 32), Key: NewKey(), RPID: rpID, UserHandle: userHandle}
	rand.Read(cred.ID)
	if c.rpID == "" {
		c.rpID = rpID
	}
	var counter uint32
	if c.counter != nil {
		counter = *c.counter
	}
	pub, err := cred.Key.PublicKey.Bytes()
	if err != nil {
		return nil, nil, err
	}
	authData := authDataHeader(c.rpID, c.flags|FlagAT, counter)
	authData = append(authData, AAGUID[:]...)
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(cred.ID)))
	authData = append(authData, cred.ID...)
	authData = append(authData, coseES256(pub[1:33], pub[33:65])...)

	resp, err := json.Marshal(map[string]any{
		"id":    b64(cred.ID),
		"rawId": b64(cred.ID),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64(c.clientData("webauthn.create")),
			"attestationObject": b64(attestationNone(authData)),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults":  map[string]any{},
		"authenticatorAttachment": "platform",
	})
	if err != nil {
		return nil, nil, err
	}
	a.mu.Lock()
	a.creds = append(a.creds, cred)
	a.mu.Unlock()
	return resp, cred, nil
}

// Assert answers options for navigator.credentials.get: it picks the
// first of its credentials that the options allow (any for the options'
// RP ID when none are listed, as for a discoverable sign-in), advances its
// counter and returns the assertion response JSON.
func (a *Authenticator) Assert(optionsJSON []byte, opts ...Option) ([]byte, error) {
	o, c, err := a.start(optionsJSON, opts)
	if err != nil {
		return nil, err
	}
	rpID := o.PublicKey.RPID
	var allowed [][]byte
	for _, d := range o.PublicKey.AllowCredentials {
		id, err := unb64(d.ID)
		if err != nil {
			return nil, fmt.Errorf("passkeytest: allowed credential: %w", err)
		}
		allowed = append(allowed, id)
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	var cred *Credential
	for _, k := range a.creds {
		switch {
		case c.credID != nil:
			if !bytes.Equal(k.ID, c.credID) {
				continue
			}
		case k.RPID != rpID:
			continue
		case len(allowed) > 0 && !slices.ContainsFunc(allowed, func(id []byte) bool { return bytes.Equal(id, k.ID) }):
			continue
		}
		cred = k
		break
	}
	if cred == nil {
		return nil, errNoCredential
	}
	if c.rpID == "" {
		c.rpID = rpID
	}
	var counter uint32
	switch {
	case c.counter != nil:
		counter = *c.counter
	case a.ZeroCounter:
	default:
		cred.Counter++
		counter = cred.Counter
	}
	authData := authDataHeader(c.rpID, c.flags, counter)
	clientData := c.clientData("webauthn.get")
	signer := cred.Key
	if c.signer != nil {
		signer = c.signer
	}
	sig, err := Sign(signer, authData, clientData)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id":    b64(cred.ID),
		"rawId": b64(cred.ID),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64(clientData),
			"authenticatorData": b64(authData),
			"signature":         b64(sig),
			"userHandle":        b64(cred.UserHandle),
		},
		"clientExtensionResults":  map[string]any{},
		"authenticatorAttachment": "platform",
	})
}
