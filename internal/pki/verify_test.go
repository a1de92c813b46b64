package pki

import (
	"crypto/x509"
	"net/url"
	"testing"
	"time"
)

func TestVerifyClient(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	// Built from a hierarchy so the test holds the root key and can make
	// the one certificate the CA itself never makes: a leaf from the root.
	h, err := newHierarchy(defaultOrg, clock.Now())
	mustNil(t, err)
	ca := newCA(Options{Now: clock.Now}, h.root, h.inter, h.interKey)
	other := newTestCA(t, testOptions(t))

	issue := func(mut func(*x509.Certificate)) *x509.Certificate {
		tmpl, err := ca.clientTemplate("user-9", "Carol", time.Hour)
		mustNil(t, err)
		mut(tmpl)
		iss, err := ca.sign(tmpl, &h.interKey.PublicKey)
		mustNil(t, err)
		return iss.Cert
	}
	good, err := ca.IssueClient("user-9", "Carol", time.Hour)
	mustNil(t, err)
	server, err := ca.IssueServer([]string{"localhost"}, time.Hour)
	mustNil(t, err)
	foreign, err := other.IssueClient("user-9", "Carol", time.Hour)
	mustNil(t, err)
	rootSigned := func() *x509.Certificate {
		tmpl, err := ca.clientTemplate("user-9", "Carol", time.Hour)
		mustNil(t, err)
		c, err := createCert(tmpl, h.root, &h.interKey.PublicKey, h.rootKey)
		mustNil(t, err)
		return c
	}()
	uri := func(s string) *url.URL { u, _ := url.Parse(s); return u }

	tests := []struct {
		name    string
		chain   []*x509.Certificate
		advance time.Duration
		want    string
		why     string
	}{
		{"ok/leaf-only", []*x509.Certificate{good.Cert}, 0, "user-9", ""},
		{"ok/leaf-and-intermediate", []*x509.Certificate{good.Cert, ca.Intermediate()}, 0, "user-9", ""},
		{"ok/foreign-intermediate-ignored", []*x509.Certificate{good.Cert, other.Intermediate()}, 0, "user-9", ""},
		{"ok/near-expiry", []*x509.Certificate{good.Cert}, 59 * time.Minute, "user-9", ""},
		{"fail/no-chain", nil, 0, "", "no client certificate"},
		{"fail/nil-leaf", []*x509.Certificate{nil}, 0, "", "no client certificate"},
		{"fail/client-cert-from-other-ca", []*x509.Certificate{foreign.Cert}, 0, "", "unknown authority"},
		{"fail/other-ca-with-its-intermediate", []*x509.Certificate{foreign.Cert, other.Intermediate()}, 0, "", "unknown authority"},
		{"fail/expired-client-cert", []*x509.Certificate{good.Cert}, 2 * time.Hour, "", "expired"},
		{"fail/not-yet-valid", []*x509.Certificate{good.Cert}, -time.Hour, "", "not yet valid"},
		{"fail/server-cert-as-client", []*x509.Certificate{server.Cert}, 0, "", "key usage"},
		{"fail/intermediate-as-client", []*x509.Certificate{ca.Intermediate()}, 0, "", "CA certificate"},
		{"fail/root-as-client", []*x509.Certificate{ca.Root()}, 0, "", "CA certificate"},
		{"fail/leaf-signed-by-root", []*x509.Certificate{rootSigned}, 0, "", "not issued by the intermediate"},
		{"fail/no-user-uri", []*x509.Certificate{issue(func(c *x509.Certificate) { c.URIs = nil })}, 0, "", "has 0"},
		{"fail/two-user-uris", []*x509.Certificate{issue(func(c *x509.Certificate) {
			c.URIs = append(c.URIs, uri("citadel:user:admin"))
		})}, 0, "", "has 2"},
		{"fail/other-citadel-uri", []*x509.Certificate{issue(func(c *x509.Certificate) {
			c.URIs = []*url.URL{uri("citadel:admin:user-9")}
		})}, 0, "", "malformed user URI"},
		{"fail/bad-user-id-in-uri", []*x509.Certificate{issue(func(c *x509.Certificate) {
			c.URIs = []*url.URL{uri("citadel:user:a%2Fb")}
		})}, 0, "", "malformed user URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(tt.advance)
			defer clock.Advance(-tt.advance)
			got, err := ca.VerifyClient(tt.chain)
			if tt.want == "" {
				wantErr(t, err, ErrUntrusted, tt.why)
				if got != "" {
					t.Errorf("user %q returned with an error", got)
				}
				return
			}
			wantErr(t, err, nil)
			if got != tt.want {
				t.Errorf("user = %q, want %q", got, tt.want)
			}
		})
	}
}
