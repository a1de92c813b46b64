package evidence

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// CertificateSignature is a signature made with the key of a client
// certificate the platform CA issued.
type CertificateSignature struct {
	Chain     [][]byte // DER certificates: the leaf, then intermediates (not the root)
	Signature []byte   // over SigningMessage; see there for the algorithms
}

const (
	maxChain    = 4
	maxCertSize = 16 << 10
)

// verify checks the chain against roots as it stood at time at (so a
// certificate that has since expired still proves a signature made while
// it was valid), that the leaf is a client certificate allowed to sign
// and bound to accountID, and the signature over msg. It returns the leaf.
// Revocation is not checked offline: the platform checks it when the
// signature is made, and its seal vouches for that.
func (c *CertificateSignature) verify(msg []byte, accountID string, at time.Time, roots *x509.CertPool) (*x509.Certificate, error) {
	if roots == nil {
		return nil, fmt.Errorf("%w: no CA roots given to check certificates against", ErrVerify)
	}
	if len(c.Chain) == 0 || len(c.Chain) > maxChain {
		return nil, fmt.Errorf("%w: certificate chain of %d certificates (1 to %d)", ErrVerify, len(c.Chain), maxChain)
	}
	certs := make([]*x509.Certificate, len(c.Chain))
	for i, der := range c.Chain {
		if len(der) > maxCertSize {
			return nil, fmt.Errorf("%w: certificate %d larger than %d bytes", ErrVerify, i, maxCertSize)
		}
		var err error
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %v", ErrVerify, i, err)
		}
	}
	leaf := certs[0]
	if leaf.IsCA {
		return nil, fmt.Errorf("%w: a CA certificate signed", ErrVerify)
	}
	inter := x509.NewCertPool()
	for _, ic := range certs[1:] {
		inter.AddCert(ic)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}); err != nil {
		return nil, fmt.Errorf("%w: certificate at %s: %v", ErrVerify, fmtTime(at), err)
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("%w: certificate key may not sign", ErrVerify)
	}
	if user, err := certUser(leaf); err != nil || user != accountID {
		return nil, fmt.Errorf("%w: certificate is not bound to account %q", ErrVerify, accountID)
	}
	h := sha256.Sum256(msg)
	var ok bool
	switch k := leaf.PublicKey.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, h[:], c.Signature)
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, msg, c.Signature)
	case *rsa.PublicKey:
		if k.N.BitLen() > 8192 { // the most internal/pki certifies
			return nil, fmt.Errorf("%w: RSA key of %d bits", ErrVerify, k.N.BitLen())
		}
		ok = rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], c.Signature) == nil
	default:
		return nil, fmt.Errorf("%w: certificate key type %T", ErrVerify, leaf.PublicKey)
	}
	if !ok {
		return nil, fmt.Errorf("%w: certificate signature is not valid", ErrVerify)
	}
	return leaf, nil
}

// certUser returns the account a platform client certificate binds: its
// one "citadel:user:<id>" URI (see internal/pki, identity.go).
func certUser(c *x509.Certificate) (string, error) {
	var found []string
	for _, u := range c.URIs {
		if u.Scheme == "citadel" {
			found = append(found, u.Opaque)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("want one citadel: URI, certificate has %d", len(found))
	}
	id, ok := strings.CutPrefix(found[0], "user:")
	if !ok || checkID("certificate user", id) != nil {
		return "", fmt.Errorf("malformed user URI %q", found[0])
	}
	return id, nil
}

func (c *CertificateSignature) value() map[string]any {
	chain := make([]string, len(c.Chain))
	for i, der := range c.Chain {
		chain[i] = b64.EncodeToString(der)
	}
	return map[string]any{"chain": chain, "signature": b64.EncodeToString(c.Signature)}
}

func decodeCertificateSignature(o *obj) *CertificateSignature {
	c := &CertificateSignature{Signature: o.bytes("signature")}
	for _, v := range o.list("chain") {
		der, err := b64.DecodeString(v.str)
		if (v.kind != kindString || err != nil) && *o.err == nil {
			o.fail("chain", "not base64url DER")
		}
		c.Chain = append(c.Chain, der)
	}
	o.done()
	return c
}
