package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIssueServer(t *testing.T) {
	t.Parallel()
	opts := testOptions(t)
	opts.CRLURL = "https://shop.example/pki/crl"
	opts.OCSPURL = "https://shop.example/pki/ocsp"
	ca := newTestCA(t, opts)
	long := strings.Repeat("a", 63)
	tests := []struct {
		name     string
		names    []string
		validity time.Duration
		wantDNS  []string
		wantIPs  []string
		fail     bool
	}{
		{"ok/dns-and-ips", []string{"localhost", "shop.example", "127.0.0.1", "::1"}, 24 * time.Hour,
			[]string{"localhost", "shop.example"}, []string{"127.0.0.1", "::1"}, false},
		{"ok/wildcard", []string{"*.shop.example"}, time.Hour, []string{"*.shop.example"}, nil, false},
		{"ok/duplicates-dropped", []string{"a.example", "a.example", "10.0.0.1", "10.0.0.1"}, time.Hour,
			[]string{"a.example"}, []string{"10.0.0.1"}, false},
		{"ok/max-validity", []string{"a.example"}, MaxLeafValidity, []string{"a.example"}, nil, false},
		{"ok/long-label", []string{long + ".example"}, time.Hour, []string{long + ".example"}, nil, false},
		{"fail/bad-dns-name", []string{"shop_example.com"}, time.Hour, nil, nil, true},
		{"fail/uppercase", []string{"Shop.example"}, time.Hour, nil, nil, true},
		{"fail/trailing-dot", []string{"shop.example."}, time.Hour, nil, nil, true},
		{"fail/empty-label", []string{"shop..example"}, time.Hour, nil, nil, true},
		{"fail/leading-hyphen", []string{"-shop.example"}, time.Hour, nil, nil, true},
		{"fail/trailing-hyphen", []string{"shop-.example"}, time.Hour, nil, nil, true},
		{"fail/inner-wildcard", []string{"shop.*.example"}, time.Hour, nil, nil, true},
		{"fail/partial-wildcard", []string{"s*.example"}, time.Hour, nil, nil, true},
		{"fail/wildcard-too-wide", []string{"*.example"}, time.Hour, nil, nil, true},
		{"fail/bare-wildcard", []string{"*"}, time.Hour, nil, nil, true},
		{"fail/label-too-long", []string{long + "a.example"}, time.Hour, nil, nil, true},
		{"fail/name-too-long", []string{strings.Repeat(long+".", 4) + "example"}, time.Hour, nil, nil, true},
		{"fail/numeric-tld", []string{"10.0.0"}, time.Hour, nil, nil, true},
		{"fail/ip-with-zone", []string{"fe80::1%eth0"}, time.Hour, nil, nil, true},
		{"fail/unicode", []string{"bücher.example"}, time.Hour, nil, nil, true},
		{"fail/space", []string{"shop example"}, time.Hour, nil, nil, true},
		{"fail/empty-name", []string{""}, time.Hour, nil, nil, true},
		{"fail/no-names", nil, time.Hour, nil, nil, true},
		{"fail/one-bad-among-good", []string{"a.example", "b_.example"}, time.Hour, nil, nil, true},
		{"fail/zero-validity", []string{"a.example"}, 0, nil, nil, true},
		{"fail/negative-validity", []string{"a.example"}, -time.Hour, nil, nil, true},
		{"fail/validity-too-long", []string{"a.example"}, MaxLeafValidity + time.Second, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := ca.IssueServer(tt.names, tt.validity)
			if tt.fail {
				wantErr(t, err, ErrInvalidRequest)
				if iss != nil {
					t.Error("Issued returned with an error")
				}
				return
			}
			wantErr(t, err, nil)
			c := iss.Cert
			if !slices.Equal(c.DNSNames, tt.wantDNS) {
				t.Errorf("DNSNames = %v, want %v", c.DNSNames, tt.wantDNS)
			}
			var ips []string
			for _, ip := range c.IPAddresses {
				ips = append(ips, ip.String())
			}
			if !slices.Equal(ips, tt.wantIPs) {
				t.Errorf("IPAddresses = %v, want %v", ips, tt.wantIPs)
			}
			if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || c.IsCA {
				t.Errorf("ExtKeyUsage = %v, IsCA = %v", c.ExtKeyUsage, c.IsCA)
			}
			if got := c.NotAfter.Sub(c.NotBefore); got != tt.validity+backdate {
				t.Errorf("validity = %v, want %v", got, tt.validity+backdate)
			}
			if !slices.Equal(c.CRLDistributionPoints, []string{opts.CRLURL}) || !slices.Equal(c.OCSPServer, []string{opts.OCSPURL}) {
				t.Errorf("revocation pointers: CRL %v OCSP %v", c.CRLDistributionPoints, c.OCSPServer)
			}
			if _, ok := c.PublicKey.(*ecdsa.PublicKey); !ok {
				t.Errorf("key type %T", c.PublicKey)
			}
			if err := c.CheckSignatureFrom(ca.Intermediate()); err != nil {
				t.Errorf("not signed by the intermediate: %v", err)
			}
			checkChainPEM(t, iss, ca)
		})
	}
}

func checkChainPEM(t *testing.T, iss *Issued, ca *CA) {
	t.Helper()
	var ders [][]byte
	for rest := iss.ChainPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		ders = append(ders, b.Bytes)
	}
	if len(ders) != 2 || string(ders[0]) != string(iss.Cert.Raw) || string(ders[1]) != string(ca.Intermediate().Raw) {
		t.Errorf("ChainPEM is not leaf then intermediate (%d blocks)", len(ders))
	}
}

// A leaf never outlives the intermediate that signed it.
func TestLeafValidityClampedToIntermediate(t *testing.T) {
	t.Parallel()
	opts := testOptions(t)
	clock := newTestClock()
	opts.Now = clock.Now
	ca := newTestCA(t, opts)
	clock.Advance(5*365*24*time.Hour - 24*time.Hour) // a day or so before the intermediate ends
	iss, err := ca.IssueServer([]string{"a.example"}, 30*24*time.Hour)
	wantErr(t, err, nil)
	if !iss.Cert.NotAfter.Equal(ca.Intermediate().NotAfter) {
		t.Errorf("NotAfter %v, want the intermediate's %v", iss.Cert.NotAfter, ca.Intermediate().NotAfter)
	}
	clock.Advance(30 * 24 * time.Hour)
	if _, err := ca.IssueServer([]string{"a.example"}, time.Hour); err == nil {
		t.Error("issued from an expired intermediate")
	}
}

func TestIssueClient(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, testOptions(t))
	tests := []struct {
		name, userID, subject string
		want                  error
	}{
		{"ok/uuid", "0b7c6f1e-4a4b-4d36-9d0f-0c4f3f1d2a11", "Alice Martin", nil},
		{"ok/unicode-subject", "42", "Zoë Ægir", nil},
		{"fail/empty-user", "", "Alice", ErrInvalidRequest},
		{"fail/user-with-colon", "42:admin", "Alice", ErrInvalidRequest},
		{"fail/user-with-slash", "../42", "Alice", ErrInvalidRequest},
		{"fail/user-too-long", strings.Repeat("1", maxUserID+1), "Alice", ErrInvalidRequest},
		{"fail/empty-subject", "42", "", ErrInvalidRequest},
		{"fail/subject-too-long", "42", strings.Repeat("a", maxSubject+1), ErrInvalidRequest},
		{"fail/subject-control-char", "42", "Alice\nAdmin", ErrInvalidRequest},
		{"fail/subject-bad-utf8", "42", "Alice\xff", ErrInvalidRequest},
		{"fail/subject-padded", "42", " Alice", ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := ca.IssueClient(tt.userID, tt.subject, time.Hour)
			wantErr(t, err, tt.want)
			if err != nil {
				return
			}
			c := iss.Cert
			if c.Subject.CommonName != tt.subject {
				t.Errorf("CN = %q", c.Subject.CommonName)
			}
			if len(c.URIs) != 1 || c.URIs[0].String() != "citadel:user:"+tt.userID {
				t.Errorf("URIs = %v", c.URIs)
			}
			if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
				t.Errorf("ExtKeyUsage = %v", c.ExtKeyUsage)
			}
			if len(c.DNSNames)+len(c.IPAddresses)+len(c.EmailAddresses) != 0 {
				t.Error("client certificate carries other SANs")
			}
			if iss.KeyPEM == nil {
				t.Fatal("no key")
			}
			if _, err := iss.TLSCertificate(); err != nil {
				t.Errorf("TLSCertificate: %v", err)
			}
			got, err := ca.VerifyClient([]*x509.Certificate{c})
			if err != nil || got != tt.userID {
				t.Errorf("VerifyClient = %q, %v", got, err)
			}
		})
	}
}

func TestIssueClientFromCSR(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, testOptions(t))
	p256 := mustKey(t, func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) })
	p384 := mustKey(t, func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P384(), rand.Reader) })
	p521 := mustKey(t, func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P521(), rand.Reader) })
	rsa2048 := mustKey(t, func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) })
	_, ed, _ := ed25519.GenerateKey(rand.Reader)

	good := csrPEM(t, p256)
	badSig := csrDER(t, p256)
	badSig[len(badSig)-3] ^= 0x01 // inside the signature value
	otherKeyCSR := func() []byte {
		// A CSR whose public key is not the one that signed it.
		tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}
		der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, p256)
		mustNil(t, err)
		csr, err := x509.ParseCertificateRequest(der)
		mustNil(t, err)
		other := csrDER(t, mustKey(t, func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }))
		otherCSR, _ := x509.ParseCertificateRequest(other)
		// Splice: keep p256's signature over a body holding p384's key.
		swapped := strings.Replace(string(der), string(csr.RawSubjectPublicKeyInfo), string(otherCSR.RawSubjectPublicKeyInfo), 1)
		return []byte(swapped)
	}

	tests := []struct {
		name string
		pem  []byte
		want error
		why  string
	}{
		{"ok/ecdsa-p256", good, nil, ""},
		{"ok/ecdsa-p384", csrPEM(t, p384), nil, ""},
		{"ok/rsa-2048", csrPEM(t, rsa2048), nil, ""},
		{"ok/new-certificate-request-header", pemBlock("NEW CERTIFICATE REQUEST", csrDER(t, p256)), nil, ""},
		{"fail/csr-bad-signature", pemBlock("CERTIFICATE REQUEST", badSig), ErrInvalidRequest, "signature"},
		{"fail/csr-key-swapped", pemBlock("CERTIFICATE REQUEST", otherKeyCSR()), ErrInvalidRequest, "signature"},
		{"fail/ecdsa-p521", csrPEM(t, p521), ErrInvalidRequest, "P-521"},
		{"fail/rsa-1024", csrPEM(t, weakRSA(t)), ErrInvalidRequest, "1024 bits"},
		{"fail/ed25519", csrPEM(t, ed), ErrInvalidRequest, "ed25519"},
		{"fail/not-pem", []byte("hello"), ErrInvalidRequest, "not PEM"},
		{"fail/der-not-pem", csrDER(t, p256), ErrInvalidRequest, "not PEM"},
		{"fail/certificate-not-csr", ca.RootPEM(), ErrInvalidRequest, "want CERTIFICATE REQUEST"},
		{"fail/garbage-in-pem", pemBlock("CERTIFICATE REQUEST", []byte{0x30, 0x03, 0x02, 0x01, 0x01}), ErrInvalidRequest, "parse CSR"},
		{"fail/trailing-data", append(csrPEM(t, p256), "junk"...), ErrInvalidRequest, "data after"},
		{"fail/two-csrs", append(csrPEM(t, p256), csrPEM(t, p256)...), ErrInvalidRequest, "data after"},
		{"fail/too-large", append(good, make([]byte, maxCSR)...), ErrInvalidRequest, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := ca.IssueClientFromCSR(tt.pem, "user-7", "Bob", time.Hour)
			wantErr(t, err, tt.want, tt.why)
			if err != nil {
				return
			}
			if iss.KeyPEM != nil {
				t.Error("KeyPEM set for a CSR")
			}
			if _, err := iss.TLSCertificate(); err != ErrNoPrivateKey {
				t.Errorf("TLSCertificate err = %v, want ErrNoPrivateKey", err)
			}
			// The CSR asked for CN "ignored" and a DNS SAN; neither is used.
			if iss.Cert.Subject.CommonName != "Bob" || len(iss.Cert.DNSNames) != 0 {
				t.Errorf("CSR contents leaked into the certificate: %v %v", iss.Cert.Subject, iss.Cert.DNSNames)
			}
			if got, err := ca.VerifyClient([]*x509.Certificate{iss.Cert}); err != nil || got != "user-7" {
				t.Errorf("VerifyClient = %q, %v", got, err)
			}
		})
	}
	if _, err := ca.IssueClientFromCSR(good, "bad user", "Bob", time.Hour); err == nil {
		t.Error("fail/csr-bad-user-id: issued")
	}
}

func mustKey(t *testing.T, f func() (crypto.Signer, error)) crypto.Signer {
	t.Helper()
	k, err := f()
	mustNil(t, err)
	return k
}

// weakRSA makes a 1024-bit key: the smallest crypto/rsa still generates,
// and below what the CA accepts.
func weakRSA(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	mustNil(t, err)
	return k
}

func csrDER(t testing.TB, key crypto.Signer) []byte {
	t.Helper()
	tmpl := &x509.CertificateRequest{
		Subject:     pkix.Name{CommonName: "ignored"},
		DNSNames:    []string{"evil.example"},
		IPAddresses: []net.IP{net.IPv4(1, 2, 3, 4)},
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	mustNil(t, err)
	return der
}

func csrPEM(t testing.TB, key crypto.Signer) []byte {
	return pemBlock("CERTIFICATE REQUEST", csrDER(t, key))
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
