package evidence

import (
	"fmt"
	"time"
)

// Consent is a party's "yes" to a document hash: the buyer's to a dual
// hash, a merchant's to an acceptance challenge. Either the party's
// passkey signed the hash (AssurancePasskey, Passkey set) or the platform
// attests that a signed-in session confirmed it (AssuranceSession,
// AuthLevel set).
type Consent struct {
	AccountID string
	Assurance Assurance
	At        time.Time         // when the platform verified or recorded it (whole seconds)
	AuthLevel AuthLevel         // session-attested only
	Passkey   *PasskeyAssertion // passkey-signed only
	// Attestation is the platform's signature of a session-attested
	// consent, made by AttestSession. Views need it (they carry nothing
	// else the platform signed); receipts do not keep it, since the
	// receipt's own signature covers the consent.
	Attestation []byte
}

// PasskeyConsent records that the account's passkey signed the hash; a
// is the verified assertion from the passkey service, with the RP ID and
// origin it was verified for.
func PasskeyConsent(accountID string, a PasskeyAssertion, at time.Time) Consent {
	return Consent{AccountID: accountID, Assurance: AssurancePasskey, At: at, Passkey: &a}
}

// AttestSession records, under the platform's signature, that a signed-in
// session of accountID at level confirmed hash at time at. It is for
// accounts without a passkey: no signature of the party is involved.
func (k *ReceiptKey) AttestSession(hash Digest, accountID string, level AuthLevel, at time.Time) (Consent, error) {
	c := Consent{AccountID: accountID, Assurance: AssuranceSession, At: at, AuthLevel: level}
	if err := c.check(); err != nil {
		return Consent{}, err
	}
	body, err := c.attestationBody(hash)
	if err != nil {
		return Consent{}, err
	}
	c.Attestation = k.sign(purposeAttestation, body).Sig
	return c, nil
}

const typeAttestation = "citadel.session-attestation/v1"

func (c *Consent) attestationBody(hash Digest) ([]byte, error) {
	v := c.value()
	v["type"] = typeAttestation
	v["hash"] = hash.String()
	return Canonical(v)
}

func (c *Consent) value() map[string]any {
	v := map[string]any{"account_id": c.AccountID, "assurance": string(c.Assurance), "at": fmtTime(c.At)}
	switch c.Assurance {
	case AssurancePasskey:
		if c.Passkey != nil {
			v["passkey"] = c.Passkey.value()
		}
	case AssuranceSession:
		v["auth_level"] = string(c.AuthLevel)
	}
	return v
}

func decodeConsent(o *obj) Consent {
	c := Consent{AccountID: o.str("account_id"), Assurance: Assurance(o.str("assurance")), At: o.time("at")}
	switch c.Assurance {
	case AssurancePasskey:
		c.Passkey = decodePasskey(o.object("passkey"))
	case AssuranceSession:
		c.AuthLevel = AuthLevel(o.str("auth_level"))
	default:
		o.fail("assurance", "unknown assurance %q", c.Assurance)
	}
	o.done()
	if err := c.check(); err != nil && *o.err == nil {
		*o.err = err
	}
	return c
}

// check validates the fields, not the signatures.
func (c *Consent) check() error {
	if err := checkID("account_id", c.AccountID); err != nil {
		return err
	}
	if !validTime(c.At) {
		return fmt.Errorf("%w: consent time %v", ErrInvalidDocument, c.At)
	}
	switch c.Assurance {
	case AssurancePasskey:
		if c.Passkey == nil || c.AuthLevel != "" {
			return fmt.Errorf("%w: a passkey-signed consent needs the assertion and no auth level", ErrInvalidDocument)
		}
		return c.Passkey.check()
	case AssuranceSession:
		if !c.AuthLevel.valid() || c.Passkey != nil {
			return fmt.Errorf("%w: a session-attested consent needs an auth level (%s or %s) and no assertion",
				ErrInvalidDocument, AuthPassword, AuthPasswordMFA)
		}
		return nil
	default:
		return fmt.Errorf("%w: assurance %q", ErrInvalidDocument, c.Assurance)
	}
}

// verify checks the consent over hash. The platform key is used only for
// a session attestation and only when attested is true (views);
// otherwise the caller has checked a platform signature covering it.
func (c *Consent) verify(hash Digest, platform PublicKey, attested bool) error {
	if err := c.check(); err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if c.Assurance == AssurancePasskey {
		return c.Passkey.verify(hash)
	}
	if !attested {
		return nil
	}
	body, err := c.attestationBody(hash)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	return platform.verify(purposeAttestation, body, sig{KeyID: platform.ID(), Sig: c.Attestation})
}
