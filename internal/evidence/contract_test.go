package evidence

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/pki"
)

// testCA is the platform CA from internal/pki, on a clock the test moves.
type testCA struct {
	ca  *pki.CA
	now time.Time
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	c := &testCA{now: t0.Add(-24 * time.Hour)}
	ca, _, err := pki.LoadOrCreate(pki.Options{Dir: filepath.Join(t.TempDir(), "ca"), Passphrase: []byte("correct horse"),
		WorkFactor: 10, Now: func() time.Time { return c.now }})
	if err != nil {
		t.Fatal(err)
	}
	c.ca = ca
	return c
}

// certSigner is a client certificate with its key.
type certSigner struct {
	chain [][]byte
	key   crypto.Signer
}

func (c *testCA) client(t testing.TB, userID string, at time.Time) *certSigner {
	t.Helper()
	c.now = at
	iss, err := c.ca.IssueClient(userID, "Signer "+userID, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(iss.KeyPEM)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return &certSigner{chain: [][]byte{iss.Cert.Raw, c.ca.Intermediate().Raw}, key: key.(crypto.Signer)}
}

// sign signs msg as `openssl dgst -sha256 -sign` would (Ed25519: the
// message itself).
func (s *certSigner) sign(t testing.TB, msg []byte) *CertificateSignature {
	t.Helper()
	var sig []byte
	var err error
	if _, ok := s.key.(ed25519.PrivateKey); ok {
		sig, err = s.key.Sign(rand.Reader, msg, crypto.Hash(0))
	} else {
		h := sha256.Sum256(msg)
		sig, err = s.key.Sign(rand.Reader, h[:], crypto.SHA256)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &CertificateSignature{Chain: s.chain, Signature: sig}
}

func sampleAgreement() Agreement {
	return Agreement{
		ID: "agr_1", Nonce: NewNonce(),
		Buyer:    Party{ID: "org_acme", Name: "ACME Handels GmbH"},
		Merchant: Party{ID: "mer_mugs", Name: "Mugs & Co."},
		Terms:    "1. Delivery within 14 days of each call-off.\n2. Payment 30 days net.\n3. German law applies.\n",
		Items: []Line{
			{SKU: "MUG-BLUE", Title: "Mug \"Ocean\"", Variant: "blue", UnitPrice: 900, Quantity: 500, Total: 450000},
			{SKU: "MUG-RED", Title: "Mug \"Lava\"", Variant: "red", UnitPrice: 950, Quantity: 100, Total: 95000},
		},
		Currency: "EUR", Total: 545000, CreatedAt: t0, ValidFrom: t0.Add(24 * time.Hour), ValidUntil: t0.AddDate(1, 0, 0),
	}
}

// contractFixture: the buyer signs with a client certificate, the
// merchant with a passkey, and the platform seals.
type contractFixture struct {
	key      *ReceiptKey
	ca       *testCA
	a        Agreement
	digest   Digest
	buyer    *certSigner
	merchant *authenticator
	sigs     []PartySignature
	file     []byte
}

func newContract(t testing.TB) *contractFixture {
	t.Helper()
	f := &contractFixture{key: testKey(t), ca: newTestCA(t), a: sampleAgreement(), merchant: newPasskey(t)}
	var err error
	if _, f.digest, err = AgreementDigest(f.a); err != nil {
		t.Fatal(err)
	}
	f.buyer = f.ca.client(t, "acc_acme_cfo", t0)
	f.sigs = []PartySignature{
		{Role: RoleBuyer, AccountID: "acc_acme_cfo", SignedAt: t0.Add(time.Hour),
			Certificate: f.buyer.sign(t, SigningMessage(f.a.ID, f.digest, RoleBuyer))},
		{Role: RoleMerchant, AccountID: "acc_mugs_owner", SignedAt: t0.Add(2 * time.Hour),
			Passkey: ptr(f.merchant.sign(t, SigningChallenge(f.a.ID, f.digest, RoleMerchant), forge{}))},
	}
	if f.file, err = f.key.SealContract(f.a, f.sigs, f.ca.ca.Pool(), t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

func TestContract(t *testing.T) {
	f := newContract(t)
	p, err := VerifyContract(f.file, f.ca.ca.Pool(), f.key.Public())
	wantErr(t, err, nil)
	if p.Digest != f.digest || p.Agreement.Terms != f.a.Terms || len(p.Signers) != 2 ||
		p.Signers[0].Assurance != AssuranceCertificate || p.Signers[0].Leaf == nil || p.Signers[0].AccountID != "acc_acme_cfo" ||
		p.Signers[1].Assurance != string(AssurancePasskey) || !p.SealedAt.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("proof: %+v", p)
	}
	text := p.Text()
	for _, w := range []string{"agr_1", "ACME Handels GmbH", "certificate-signed", "passkey-signed", "German law"} {
		if !strings.Contains(text, w) {
			t.Errorf("Text() lacks %q:\n%s", w, text)
		}
	}
	// A certificate that expired after signing still proves the signature.
	f.ca.now = t0.AddDate(2, 0, 0)
	if _, err := VerifyContract(f.file, f.ca.ca.Pool(), f.key.Public()); err != nil {
		t.Fatalf("after the certificate expired: %v", err)
	}
}

func TestContractKeyKinds(t *testing.T) {
	ca := newTestCA(t)
	k := testKey(t)
	a := sampleAgreement()
	_, d, _ := AgreementDigest(a)

	// Merchant with an RSA key, certified from a CSR as pki allows.
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	csr, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, rsaKey)
	ca.now = t0
	iss, err := ca.ca.IssueClientFromCSR(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr}), "acc_mugs_owner", "Owner", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rsaSigner := &certSigner{chain: [][]byte{iss.Cert.Raw, ca.ca.Intermediate().Raw}, key: rsaKey}

	// An Ed25519 client certificate from another CA, which pki cannot issue.
	edRoots, edSigner := ed25519CA(t, "acc_acme_cfo")

	buyerPasskey := newEd25519Passkey(t)
	for _, tc := range []struct {
		name   string
		buyer  PartySignature
		roots  *x509.CertPool
		merchS *certSigner
	}{
		{"ok/passkey-and-rsa-certificate", PartySignature{Role: RoleBuyer, AccountID: "acc_acme_cfo", SignedAt: t0.Add(time.Hour),
			Passkey: ptr(buyerPasskey.sign(t, SigningChallenge(a.ID, d, RoleBuyer), forge{}))}, ca.ca.Pool(), rsaSigner},
		{"ok/ed25519-certificate", PartySignature{Role: RoleBuyer, AccountID: "acc_acme_cfo", SignedAt: t0.Add(time.Hour),
			Certificate: edSigner.sign(t, SigningMessage(a.ID, d, RoleBuyer))}, poolOf(edRoots, ca.ca.Root()), rsaSigner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			merchant := PartySignature{Role: RoleMerchant, AccountID: "acc_mugs_owner", SignedAt: t0.Add(2 * time.Hour),
				Certificate: tc.merchS.sign(t, SigningMessage(a.ID, d, RoleMerchant))}
			file, err := k.SealContract(a, []PartySignature{tc.buyer, merchant}, tc.roots, t0.Add(3*time.Hour))
			wantErr(t, err, nil)
			_, err = VerifyContract(file, tc.roots, k.Public())
			wantErr(t, err, nil)
		})
	}
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// ed25519CA makes a root and an Ed25519 client certificate for userID,
// shaped like pki's (client auth, digital signature, citadel:user: URI).
func ed25519CA(t testing.TB, userID string) (*x509.Certificate, *certSigner) {
	t.Helper()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Ed25519 Root"},
		NotBefore: t0.AddDate(-1, 0, 0), NotAfter: t0.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Ed Signer"},
		NotBefore: t0.Add(-time.Minute), NotAfter: t0.AddDate(0, 1, 0), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, URIs: []*url.URL{{Scheme: "citadel", Opaque: "user:" + userID}}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, root, pub, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return root, &certSigner{chain: [][]byte{leafDER}, key: priv}
}
