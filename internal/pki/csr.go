package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"
)

const (
	maxCSR     = 16 << 10
	minRSABits = 2048
	// maxRSABits bounds the work a requester can make us do per request.
	maxRSABits = 8192
)

// IssueClientFromCSR issues a TLS client certificate for the key in a PEM
// CSR, whose self-signature must verify. Only the CSR's public key is
// used: its subject, SANs and extensions are ignored, and the certificate
// carries subject as its common name and the "citadel:user:<userID>" URI.
// Accepted keys are ECDSA P-256 or P-384 and RSA of 2048 to 8192 bits.
// The returned Issued has no KeyPEM.
func (ca *CA) IssueClientFromCSR(csrPEM []byte, userID, subject string, validity time.Duration) (*Issued, error) {
	csr, err := parseCSR(csrPEM)
	if err != nil {
		return nil, err
	}
	tmpl, err := ca.clientTemplate(userID, subject, validity)
	if err != nil {
		return nil, err
	}
	return ca.sign(tmpl, csr.PublicKey)
}

// parseCSR decodes one PEM CSR, checks its signature and its key. Every
// failure wraps ErrInvalidRequest; it must never panic, whatever the input.
func parseCSR(b []byte) (*x509.CertificateRequest, error) {
	if len(b) > maxCSR {
		return nil, fmt.Errorf("%w: CSR larger than %d bytes", ErrInvalidRequest, maxCSR)
	}
	block, rest := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%w: CSR is not PEM", ErrInvalidRequest)
	}
	if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
		return nil, fmt.Errorf("%w: PEM block is %q, want CERTIFICATE REQUEST", ErrInvalidRequest, block.Type)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: data after the CSR", ErrInvalidRequest)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: parse CSR: %w", ErrInvalidRequest, err)
	}
	if err := checkCSRKey(csr.PublicKey); err != nil {
		return nil, err
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: CSR signature: %w", ErrInvalidRequest, err)
	}
	return csr, nil
}

// checkCSRKey runs before the signature check so that an oversized RSA
// key is refused before any work is done with it.
func checkCSRKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() || k.Curve == elliptic.P384() {
			return nil
		}
		return fmt.Errorf("%w: ECDSA curve %s not accepted (P-256 or P-384)", ErrInvalidRequest, k.Curve.Params().Name)
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return fmt.Errorf("%w: RSA key of %d bits not accepted (%d to %d)", ErrInvalidRequest, bits, minRSABits, maxRSABits)
		}
		return nil
	default:
		return fmt.Errorf("%w: key type %T not accepted", ErrInvalidRequest, pub)
	}
}
