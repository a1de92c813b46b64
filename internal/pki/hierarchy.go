package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

const (
	rootYears         = 10
	intermediateYears = 5
	// backdate is how far NotBefore is set into the past, so that a peer
	// whose clock runs slightly behind ours accepts a fresh certificate.
	backdate = time.Minute

	rootCN         = "Citadel Root CA"
	intermediateCN = "Citadel Intermediate CA"
	defaultOrg     = "Citadel"
)

// hierarchy is a freshly generated root and intermediate with both keys.
// It exists only during creation: the root key is sealed to disk and
// dropped when creation ends.
type hierarchy struct {
	root, inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
}

// newHierarchy generates the root (10 years, path length 1) and the
// intermediate it signs (5 years, path length 0).
func newHierarchy(org string, now time.Time) (*hierarchy, error) {
	rootKey, err := newKey()
	if err != nil {
		return nil, err
	}
	rootTmpl, err := caTemplate(rootCN, org, now, now.AddDate(rootYears, 0, 0), 1)
	if err != nil {
		return nil, err
	}
	root, err := createCert(rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("create root: %w", err)
	}
	interKey, err := newKey()
	if err != nil {
		return nil, err
	}
	interTmpl, err := caTemplate(intermediateCN, org, now, now.AddDate(intermediateYears, 0, 0), 0)
	if err != nil {
		return nil, err
	}
	inter, err := createCert(interTmpl, root, &interKey.PublicKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("create intermediate: %w", err)
	}
	return &hierarchy{root: root, inter: inter, rootKey: rootKey, interKey: interKey}, nil
}

func caTemplate(cn, org string, now, notAfter time.Time, maxPathLen int) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{org}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            maxPathLen,
		MaxPathLenZero:        maxPathLen == 0,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil
}

// createCert signs tmpl with the parent's key and parses the result back,
// so callers always hold exactly what was encoded.
func createCert(tmpl, parent *x509.Certificate, pub any, signer *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func newKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

// serialLimit is 2^128: serials are 128 random bits, well inside the 20
// octets RFC 5280 allows and far past the 64 bits CAs must use.
var serialLimit = new(big.Int).Lsh(big.NewInt(1), 128)

// newSerial returns a random positive serial below 2^128.
func newSerial() (*big.Int, error) {
	for {
		n, err := rand.Int(rand.Reader, serialLimit)
		if err != nil {
			return nil, fmt.Errorf("generate serial: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}
