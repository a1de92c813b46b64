package browser

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net"
	"net/url"
	"testing"
	"time"
)

// WithTrustedCert makes the browser accept exactly this server
// certificate's key, and nothing else it would otherwise refuse. It passes
// Chromium --ignore-certificate-errors-spki-list with the base64 SHA-256
// of the certificate's SubjectPublicKeyInfo: a certificate error is
// ignored only when that key is in the presented chain, so a different
// server (or a swapped key) still fails, unlike --ignore-certificate-errors.
// Chromium honours the list only together with --user-data-dir, which New
// always passes.
func WithTrustedCert(cert *x509.Certificate) Option {
	return func(o *options) { o.spki = append(o.spki, SPKIHash(cert)) }
}

// SPKIHash is the base64 SHA-256 of the certificate's SubjectPublicKeyInfo,
// the form Chromium's SPKI allow-list and HPKP pins use.
func SPKIHash(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// ServerCert returns the leaf certificate the HTTPS server at rawURL
// presents, after verifying it with tc (which must trust the server's CA;
// verification is never skipped). Pass it to WithTrustedCert when the
// server's certificate is not otherwise exposed:
//
//	browser.New(t, browser.WithTrustedCert(browser.ServerCert(t, s.URL, s.TLSConfig())))
func ServerCert(t testing.TB, rawURL string, tc *tls.Config) *x509.Certificate {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" {
		t.Fatalf("ServerCert(%q): want an https URL", rawURL)
	}
	if tc.InsecureSkipVerify {
		t.Fatal("ServerCert: the TLS config must verify the server")
	}
	tc = tc.Clone()
	if tc.ServerName == "" {
		tc.ServerName = u.Hostname()
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", u.Host, tc)
	if err != nil {
		t.Fatalf("ServerCert: TLS handshake with %s: %v", u.Host, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}
