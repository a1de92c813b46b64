package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"time"
)

// MaxLeafValidity is the longest validity a leaf may ask for: the 397
// days browsers accept for server certificates, applied to clients too.
const MaxLeafValidity = 397 * 24 * time.Hour

// Issued is a leaf certificate fresh from the intermediate.
type Issued struct {
	Cert    *x509.Certificate
	CertPEM []byte
	// KeyPEM is the PKCS#8 private key in PEM, or nil when the certificate
	// was issued from a CSR and the requester holds the key.
	KeyPEM []byte
	// ChainPEM is the leaf then the intermediate: what a TLS peer sends.
	ChainPEM []byte
}

// TLSCertificate returns the leaf, the intermediate and the key ready for
// tls.Config.Certificates. It fails with ErrNoPrivateKey for CSR-issued
// certificates.
func (i *Issued) TLSCertificate() (tls.Certificate, error) {
	if i.KeyPEM == nil {
		return tls.Certificate{}, ErrNoPrivateKey
	}
	c, err := tls.X509KeyPair(i.ChainPEM, i.KeyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: build TLS certificate: %w", err)
	}
	return c, nil
}

// IssueServer issues a TLS server certificate with a new P-256 key. Each
// name becomes an IP SAN when it parses as an IP address and a DNS SAN
// otherwise; see checkDNSName for what a DNS name may be. validity is at
// most MaxLeafValidity and is cut short where the intermediate expires.
func (ca *CA) IssueServer(names []string, validity time.Duration) (*Issued, error) {
	dns, ips, err := serverNames(names)
	if err != nil {
		return nil, err
	}
	var cn string
	if len(dns) > 0 {
		cn = dns[0]
	} else {
		cn = ips[0].String()
	}
	tmpl, err := ca.leafTemplate(cn, validity)
	if err != nil {
		return nil, err
	}
	tmpl.DNSNames, tmpl.IPAddresses = dns, ips
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	return ca.issueWithNewKey(tmpl)
}

// IssueClient issues a TLS client certificate with a new P-256 key, for
// the account userID, with subject as its common name.
func (ca *CA) IssueClient(userID, subject string, validity time.Duration) (*Issued, error) {
	tmpl, err := ca.clientTemplate(userID, subject, validity)
	if err != nil {
		return nil, err
	}
	return ca.issueWithNewKey(tmpl)
}

func (ca *CA) clientTemplate(userID, subject string, validity time.Duration) (*x509.Certificate, error) {
	uri, err := userURI(userID)
	if err != nil {
		return nil, err
	}
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	tmpl, err := ca.leafTemplate(subject, validity)
	if err != nil {
		return nil, err
	}
	tmpl.URIs = append(tmpl.URIs, uri)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return tmpl, nil
}

// leafTemplate holds what every leaf shares: a fresh serial, the validity
// window, the revocation pointers and a digital-signature key usage.
func (ca *CA) leafTemplate(cn string, validity time.Duration) (*x509.Certificate, error) {
	if validity <= 0 || validity > MaxLeafValidity {
		return nil, fmt.Errorf("%w: validity %v outside (0, %v]", ErrInvalidRequest, validity, MaxLeafValidity)
	}
	now := ca.clock()
	notAfter := now.Add(validity)
	if notAfter.After(ca.inter.NotAfter) {
		notAfter = ca.inter.NotAfter
	}
	if !notAfter.After(now) {
		return nil, fmt.Errorf("pki: intermediate expired at %v", ca.inter.NotAfter)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	t := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: ca.inter.Subject.Organization},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	if ca.crlURL != "" {
		t.CRLDistributionPoints = []string{ca.crlURL}
	}
	if ca.ocspURL != "" {
		t.OCSPServer = []string{ca.ocspURL}
	}
	return t, nil
}

func (ca *CA) issueWithNewKey(tmpl *x509.Certificate) (*Issued, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: encode key: %w", err)
	}
	defer wipe(der)
	iss, err := ca.sign(tmpl, key.Public())
	if err != nil {
		return nil, err
	}
	iss.KeyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return iss, nil
}

func (ca *CA) sign(tmpl *x509.Certificate, pub crypto.PublicKey) (*Issued, error) {
	cert, err := createCert(tmpl, ca.inter, pub, ca.interKey)
	if err != nil {
		return nil, fmt.Errorf("pki: sign certificate: %w", err)
	}
	leaf := certPEM(cert.Raw)
	return &Issued{
		Cert:     cert,
		CertPEM:  leaf,
		ChainPEM: append(clone(leaf), ca.interPEM...),
	}, nil
}
