package pki

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/ocsp"
)

// OCSPValidity is how long an OCSP response is valid (NextUpdate minus
// ThisUpdate); it matches CRLValidity so both channels agree.
const OCSPValidity = CRLValidity

// maxOCSPRequest bounds the request size; a single-certificate request is
// about a hundred bytes.
const maxOCSPRequest = 4 << 10

var (
	// ErrOCSPMalformed: the request could not be parsed. The bytes returned
	// with it are the standard "malformedRequest" response to send.
	ErrOCSPMalformed = errors.New("malformed OCSP request")
	// ErrOCSPUnauthorized: the request names another issuer. The bytes
	// returned with it are the standard "unauthorized" response to send.
	ErrOCSPUnauthorized = errors.New("OCSP request for another issuer")
)

// OCSPStatus looks a serial up in the caller's records. known is false
// for a serial this CA never issued; reason is a CRL reason code
// (ocsp.Unspecified, ocsp.KeyCompromise, ...).
type OCSPStatus func(serial *big.Int) (revoked bool, revokedAt time.Time, reason int, known bool)

// OCSPResponse answers a DER OCSP request about a certificate issued by
// the intermediate, signing the answer with the intermediate's key: good,
// revoked (with time and reason) or unknown, as status says.
//
// Unlike most Go functions it may return bytes together with an error:
// when err wraps ErrOCSPMalformed or ErrOCSPUnauthorized, the bytes are
// the OCSP error response to send as-is (with status 200), and err is for
// the log. Any other error means nothing should be sent but a 500.
func (ca *CA) OCSPResponse(reqDER []byte, status OCSPStatus) ([]byte, error) {
	if status == nil {
		return nil, errors.New("pki: OCSPResponse needs a status lookup")
	}
	if len(reqDER) > maxOCSPRequest {
		return ocsp.MalformedRequestErrorResponse, fmt.Errorf("%w: %d bytes", ErrOCSPMalformed, len(reqDER))
	}
	req, err := ocsp.ParseRequest(reqDER)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse, fmt.Errorf("%w: %w", ErrOCSPMalformed, err)
	}
	if req.SerialNumber == nil || req.SerialNumber.Sign() <= 0 {
		return ocsp.MalformedRequestErrorResponse, fmt.Errorf("%w: serial not positive", ErrOCSPMalformed)
	}
	if ok, err := ca.isIssuerOf(req); err != nil {
		return nil, err
	} else if !ok {
		return ocsp.UnauthorizedErrorResponse, ErrOCSPUnauthorized
	}
	now := ca.clock()
	tmpl := ocsp.Response{
		SerialNumber: req.SerialNumber,
		ThisUpdate:   now,
		NextUpdate:   now.Add(OCSPValidity),
		IssuerHash:   req.HashAlgorithm,
		Status:       ocsp.Good,
	}
	revoked, at, reason, known := status(new(big.Int).Set(req.SerialNumber))
	switch {
	case !known:
		tmpl.Status = ocsp.Unknown
	case revoked:
		if reason < ocsp.Unspecified || reason > ocsp.AACompromise || reason == 7 {
			return nil, fmt.Errorf("pki: OCSP status gave revocation reason %d, not a CRL reason code", reason)
		}
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at.UTC(), reason
	}
	resp, err := ocsp.CreateResponse(ca.inter, ca.inter, tmpl, ca.interKey)
	if err != nil {
		return nil, fmt.Errorf("pki: sign OCSP response: %w", err)
	}
	return resp, nil
}

// isIssuerOf reports whether the request's issuer name and key hashes,
// under the request's hash algorithm, are the intermediate's.
func (ca *CA) isIssuerOf(req *ocsp.Request) (bool, error) {
	if !req.HashAlgorithm.Available() {
		return false, nil
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(ca.inter.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false, fmt.Errorf("pki: intermediate public key: %w", err)
	}
	h := req.HashAlgorithm.New()
	h.Write(ca.inter.RawSubject)
	nameHash := h.Sum(nil)
	h.Reset()
	h.Write(spki.PublicKey.RightAlign())
	keyHash := h.Sum(nil)
	return bytes.Equal(nameHash, req.IssuerNameHash) && bytes.Equal(keyHash, req.IssuerKeyHash), nil
}
