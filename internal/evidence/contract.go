package evidence

import (
	"crypto/x509"
	"fmt"
	"time"
)

// A contract file is one canonical JSON object:
//
//	{"contract":{"agreement":{...},"sealed_at":"…",
//	             "signatures":[{buyer's},{merchant's}],"type":"citadel.contract/v1"},
//	 "format":"citadel-contract/v1",
//	 "signature":{"key_id":"…","sig":"…"}}
//
// Each party signature is {"account_id","role","signed_at"} with either
// "passkey" (an assertion over SigningChallenge) or "certificate"
// ({"chain":[DER…],"signature"} over SigningMessage). The platform seals
// the whole at the end: its signature fixes the signing times that the
// certificates are checked at.
const (
	formatContract = "citadel-contract/v1"
	typeContract   = "citadel.contract/v1"
)

// PartySignature is one party's signature of an agreement.
type PartySignature struct {
	Role        Role
	AccountID   string                // the person who signed for the party
	SignedAt    time.Time             // when the platform received and checked it
	Passkey     *PasskeyAssertion     // either an assertion over SigningChallenge
	Certificate *CertificateSignature // or a certificate key's signature over SigningMessage
}

// Signer is a verified party signature.
type Signer struct {
	PartySignature
	Assurance string            // "passkey-signed" or "certificate-signed"
	Leaf      *x509.Certificate // the signing certificate, for certificate-signed
}

// AssuranceCertificate names a signature by a client certificate's key.
const AssuranceCertificate = "certificate-signed"

// ContractProof is what a verified contract file proves.
type ContractProof struct {
	KeyID     string
	SealedAt  time.Time
	Agreement Agreement
	Digest    Digest   // SHA-256 of the canonical agreement
	Signers   []Signer // the buyer's, then the merchant's
}

// CheckPartySignature verifies one party's signature of a, with
// certificates checked against roots at s.SignedAt. Call it when a party
// signs, before storing the signature.
func CheckPartySignature(a Agreement, s PartySignature, roots *x509.CertPool) error {
	_, d, err := AgreementDigest(a)
	if err != nil {
		return err
	}
	_, err = s.verify(a, d, roots)
	return err
}

func (s *PartySignature) verify(a Agreement, d Digest, roots *x509.CertPool) (Signer, error) {
	if s.Role != RoleBuyer && s.Role != RoleMerchant {
		return Signer{}, fmt.Errorf("%w: role %q", ErrVerify, s.Role)
	}
	if err := checkID("signer account_id", s.AccountID); err != nil {
		return Signer{}, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if err := inOrder(when{"agreement created", a.CreatedAt}, when{string(s.Role) + " signed", s.SignedAt}, when{"agreement ends", a.ValidUntil}); err != nil {
		return Signer{}, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	msg := SigningMessage(a.ID, d, s.Role)
	switch {
	case s.Passkey != nil && s.Certificate == nil:
		if err := s.Passkey.check(); err != nil {
			return Signer{}, fmt.Errorf("%w: %w", ErrVerify, err)
		}
		if err := s.Passkey.verify(Sum(msg)); err != nil {
			return Signer{}, fmt.Errorf("%s's passkey: %w", s.Role, err)
		}
		return Signer{PartySignature: *s, Assurance: string(AssurancePasskey)}, nil
	case s.Certificate != nil && s.Passkey == nil:
		leaf, err := s.Certificate.verify(msg, s.AccountID, s.SignedAt, roots)
		if err != nil {
			return Signer{}, fmt.Errorf("%s's certificate: %w", s.Role, err)
		}
		return Signer{PartySignature: *s, Assurance: AssuranceCertificate, Leaf: leaf}, nil
	default:
		return Signer{}, fmt.Errorf("%w: %s's signature needs a passkey assertion or a certificate signature, one of them", ErrVerify, s.Role)
	}
}

// SealContract verifies both parties' signatures (the buyer's first, then
// the merchant's) and seals the agreement with them at time at, returning
// the contract file.
func (k *ReceiptKey) SealContract(a Agreement, sigs []PartySignature, roots *x509.CertPool, at time.Time) ([]byte, error) {
	agreement, d, err := AgreementDigest(a)
	if err != nil {
		return nil, err
	}
	if a, err = parseAgreement(agreement); err != nil { // the Go value exactly as signed
		return nil, err
	}
	if len(sigs) != 2 || sigs[0].Role != RoleBuyer || sigs[1].Role != RoleMerchant {
		return nil, fmt.Errorf("%w: want the buyer's signature, then the merchant's", ErrInvalidDocument)
	}
	list := make([]any, len(sigs))
	for i, s := range sigs {
		if _, err := s.verify(a, d, roots); err != nil {
			return nil, err
		}
		if err := inOrder(when{"signed", s.SignedAt}, when{"sealed", at}); err != nil {
			return nil, err
		}
		list[i] = s.value()
	}
	stmt := map[string]any{"type": typeContract, "agreement": a.value(), "signatures": list, "sealed_at": fmtTime(at)}
	body, err := Canonical(stmt)
	if err != nil {
		return nil, err
	}
	return Canonical(map[string]any{"format": formatContract, "contract": stmt, "signature": k.sign(purposeContract, body).value()})
}

// VerifyContract checks a contract file offline: its canonical form, the
// platform's seal under platform, the agreement's content, and both
// parties' signatures, certificates checked against roots at the time the
// seal records. Errors wrap ErrVerify (and ErrUnknownKey).
func VerifyContract(file []byte, roots *x509.CertPool, platform PublicKey) (*ContractProof, error) {
	t, err := parseCanonical(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	var derr error
	top := readObject(t, t.root(), "file", &derr)
	if f := top.str("format"); f != formatContract && derr == nil {
		top.fail("format", "%q is not %s", f, formatContract)
	}
	stmt := top.get("contract")
	s := decodeSig(top.object("signature"))
	top.done()
	if derr != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, derr)
	}
	if err := platform.verify(purposeContract, t.raw(stmt), s); err != nil {
		return nil, err
	}
	c := readObject(t, stmt, "contract", &derr)
	if c.str("type") != typeContract && derr == nil {
		c.fail("type", "not %s", typeContract)
	}
	p := &ContractProof{KeyID: s.KeyID, SealedAt: c.time("sealed_at")}
	agreementV := c.get("agreement")
	var sigs []PartySignature
	for _, so := range c.objects("signatures") {
		sigs = append(sigs, decodePartySignature(so))
	}
	c.done()
	if derr != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, derr)
	}
	if p.Agreement, err = decodeAgreement(t, agreementV, "contract.agreement"); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	p.Digest = Sum(t.raw(agreementV))
	if len(sigs) != 2 || sigs[0].Role != RoleBuyer || sigs[1].Role != RoleMerchant {
		return nil, fmt.Errorf("%w: want the buyer's signature, then the merchant's", ErrVerify)
	}
	for _, ps := range sigs {
		signer, err := ps.verify(p.Agreement, p.Digest, roots)
		if err != nil {
			return nil, err
		}
		if err := inOrder(when{"signed", ps.SignedAt}, when{"sealed", p.SealedAt}); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrVerify, err)
		}
		p.Signers = append(p.Signers, signer)
	}
	return p, nil
}

func parseAgreement(b []byte) (Agreement, error) {
	t, err := parseCanonical(b)
	if err != nil {
		return Agreement{}, err
	}
	return decodeAgreement(t, t.root(), "agreement")
}

func (s *PartySignature) value() map[string]any {
	v := map[string]any{"role": string(s.Role), "account_id": s.AccountID, "signed_at": fmtTime(s.SignedAt)}
	if s.Passkey != nil {
		v["passkey"] = s.Passkey.value()
	}
	if s.Certificate != nil {
		v["certificate"] = s.Certificate.value()
	}
	return v
}

func decodePartySignature(o *obj) PartySignature {
	s := PartySignature{Role: Role(o.str("role")), AccountID: o.str("account_id"), SignedAt: o.time("signed_at")}
	switch {
	case o.has("passkey"):
		s.Passkey = decodePasskey(o.object("passkey"))
	case o.has("certificate"):
		s.Certificate = decodeCertificateSignature(o.object("certificate"))
	default:
		o.fail("", "neither passkey nor certificate")
	}
	o.done()
	return s
}
