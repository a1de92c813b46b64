package app_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/store"
)

var serialRe = regexp.MustCompile(`issued ([0-9a-fx:]+) to`)

// A business organization that requires client certificates: sign-in
// works only with the member's own certificate (plus password and second
// factor), and a revocation ends access at the next request.
func TestBusinessSignInWithClientCertificate(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	data := s.Config.Data
	const email, pw = "buyer@acme.example", "violet otter ladder 42"
	env := map[string]string{"CITADEL_P12_PASSWORD": "p12-secret-pass"}

	code, orgID, stderr := run(env, "org", "create", "--data", data, "--name", "Acme Ltd", "--require-client-cert")
	if code != 0 {
		t.Fatalf("org create: %s", stderr)
	}
	orgID = strings.TrimSpace(orgID)
	code, out, stderr := run(env, "user", "create", "--data", data, "--email", email, "--role", "business_admin")
	if code != 0 {
		t.Fatalf("user create: %s", stderr)
	}
	enrol := out[strings.Index(out, "https://"):]
	u, _ := url.Parse(strings.TrimSpace(enrol))
	c := s.NewClient(nil)
	if resp, _ := form(t, s, c, u.RequestURI(), "/enrol", url.Values{"token": {u.Query().Get("token")}, "password": {pw}}); resp.StatusCode != 200 {
		t.Fatalf("enrol: %d", resp.StatusCode)
	}
	if code, _, stderr := run(env, "org", "add-member", "--data", data, "--org", orgID, "--email", email); code != 0 {
		t.Fatalf("add-member: %s", stderr)
	}
	dir := t.TempDir()
	code, out, stderr = run(env, "ca", "issue-client", "--data", data, "--email", email, "--out", dir)
	if code != 0 {
		t.Fatalf("issue-client: %s", stderr)
	}
	serial := serialRe.FindStringSubmatch(out)[1]
	p12, _ := os.ReadFile(filepath.Join(dir, "client.p12"))
	key, leaf, chain, err := pkcs12.DecodeChain(p12, "p12-secret-pass")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := pkcs12.DecodeChain(p12, "wrong"); err == nil {
		t.Fatal("PKCS#12 opened with a wrong password")
	}
	cert := tls.Certificate{Certificate: [][]byte{leaf.Raw, chain[0].Raw}, PrivateKey: key, Leaf: leaf}

	// fail/no-client-certificate: password alone is refused, generically.
	if resp, body := form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "wrong email or password") {
		t.Fatalf("sign-in without certificate: %d", resp.StatusCode)
	}

	tc := s.TLSConfig()
	tc.Certificates = []tls.Certificate{cert}
	bc := s.NewClient(tc)
	resp, _ := form(t, s, bc, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}})
	if resp.Header.Get("Location") != "/signin/mfa" {
		t.Fatalf("sign-in with certificate went to %q (%d)", resp.Header.Get("Location"), resp.StatusCode)
	}
	form(t, s, bc, "/signin/mfa", "/signin/mfa/email", nil)
	resp, _ = form(t, s, bc, "/signin/mfa", "/signin/mfa", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}})
	if resp.Header.Get("Location") != "/account" {
		t.Fatalf("second factor: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := do(t, bc, "GET", s.URL+"/account", nil); resp.StatusCode != 200 {
		t.Fatalf("account with certificate: %d", resp.StatusCode)
	}
	// OCSP says good, then revoked.
	if st := ocspStatus(t, s, leaf); st != ocsp.Good {
		t.Fatalf("OCSP before revocation: %d", st)
	}
	if code, _, stderr := run(env, "ca", "revoke", serial, "--data", data); code != 0 {
		t.Fatalf("revoke: %s", stderr)
	}
	if st := ocspStatus(t, s, leaf); st != ocsp.Revoked {
		t.Fatalf("OCSP after revocation: %d", st)
	}
	// fail/revoked-certificate: the very next request is refused.
	bc.Transport.(*http.Transport).CloseIdleConnections()
	if resp, _ := do(t, bc, "GET", s.URL+"/account", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("account after revocation: %d", resp.StatusCode)
	}

	// Issuance and revocation are audit events.
	entries, _ := audit.Recent(t.Context(), s.DB(), 200)
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Action] = true
	}
	for _, a := range []string{"cert.issue", "cert.revoke", "org.create", "org.member_added", "auth.signin"} {
		if !seen[a] {
			t.Errorf("no %s audit event", a)
		}
	}

	// fail/certificate-from-another-ca: the handshake refuses it.
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: email},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	tc2 := s.TLSConfig()
	foreign := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	// Present it whatever CAs the server names (a default client would
	// not offer a certificate the server did not ask for).
	tc2.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return foreign, nil }
	if _, err := s.NewClient(tc2).Get(s.URL + "/healthz"); err == nil {
		t.Fatal("a certificate from another CA passed the handshake")
	}
}

func ocspStatus(t *testing.T, s *apptest.Server, leaf *x509.Certificate) int {
	t.Helper()
	req, err := ocsp.CreateRequest(leaf, s.CA().Intermediate(), nil)
	if err != nil {
		t.Fatal(err)
	}
	hreq, _ := http.NewRequest("POST", s.URL+"/pki/ocsp", bytes.NewReader(req))
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	resp, body := s.Do(t, hreq)
	if resp.StatusCode != 200 {
		t.Fatalf("OCSP: %d", resp.StatusCode)
	}
	r, err := ocsp.ParseResponseForCert([]byte(body), leaf, s.CA().Intermediate())
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}
