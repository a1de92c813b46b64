package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"
	"time"
)

// TestTLSHandshake runs real handshakes over loopback: the server shows a
// certificate from IssueServer and the client trusts only Pool().
func TestTLSHandshake(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, testOptions(t))
	iss, err := ca.IssueServer([]string{"localhost", "127.0.0.1", "::1"}, time.Hour)
	mustNil(t, err)
	cert, err := iss.TLSCertificate()
	mustNil(t, err)
	if len(cert.Certificate) != 2 {
		t.Fatalf("TLS certificate chain has %d certificates, want leaf and intermediate", len(cert.Certificate))
	}
	other := newTestCA(t, testOptions(t))
	tests := []struct {
		name, network, addr, serverName string
		roots                           *x509.CertPool
		wantOK                          bool
	}{
		{"ok/localhost", "tcp4", "127.0.0.1:0", "localhost", ca.Pool(), true},
		{"ok/127.0.0.1", "tcp4", "127.0.0.1:0", "127.0.0.1", ca.Pool(), true},
		{"ok/::1", "tcp6", "[::1]:0", "::1", ca.Pool(), true},
		{"fail/wrong-server-name", "tcp4", "127.0.0.1:0", "shop.example", ca.Pool(), false},
		{"fail/other-ca-pool", "tcp4", "127.0.0.1:0", "localhost", other.Pool(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen(tt.network, tt.addr)
			if err != nil {
				if tt.network == "tcp6" {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				t.Fatal(err)
			}
			defer ln.Close()
			srv := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			cli := &tls.Config{RootCAs: tt.roots, ServerName: tt.serverName, MinVersion: tls.VersionTLS12}
			_, cerr, state := handshake(t, ln, srv, cli)
			if !tt.wantOK {
				var verr *tls.CertificateVerificationError
				if !errors.As(cerr, &verr) {
					t.Fatalf("client error = %v, want a certificate verification error", cerr)
				}
				return
			}
			if cerr != nil {
				t.Fatalf("client handshake: %v", cerr)
			}
			chain := state.VerifiedChains[0]
			if len(chain) != 3 || !chain[1].Equal(ca.Intermediate()) || !chain[2].Equal(ca.Root()) {
				t.Errorf("verified chain is not leaf, intermediate, root")
			}
		})
	}
}

// TestMutualTLS has the server verify client certificates with
// VerifyClient, as the platform does, and read the bound user.
func TestMutualTLS(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, testOptions(t))
	other := newTestCA(t, testOptions(t))
	srvIss, err := ca.IssueServer([]string{"localhost"}, time.Hour)
	mustNil(t, err)
	srvCert, err := srvIss.TLSCertificate()
	mustNil(t, err)
	mine, err := ca.IssueClient("user-1", "Alice", time.Hour)
	mustNil(t, err)
	foreign, err := other.IssueClient("user-1", "Alice", time.Hour)
	mustNil(t, err)

	tests := []struct {
		name     string
		client   *Issued
		wantUser string
	}{
		{"ok/own-client-cert", mine, "user-1"},
		{"fail/client-cert-from-other-ca", foreign, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			mustNil(t, err)
			defer ln.Close()
			var user string
			srv := &tls.Config{
				Certificates: []tls.Certificate{srvCert},
				// The platform does its own verification: tls only asks
				// for a certificate, VerifyClient decides.
				ClientAuth: tls.RequireAnyClientCert,
				VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
					var chain []*x509.Certificate
					for _, r := range raw {
						c, err := x509.ParseCertificate(r)
						if err != nil {
							return err
						}
						chain = append(chain, c)
					}
					u, err := ca.VerifyClient(chain)
					user = u
					return err
				},
			}
			cc, err := tt.client.TLSCertificate()
			mustNil(t, err)
			cli := &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", Certificates: []tls.Certificate{cc}}
			serr, cerr, _ := handshake(t, ln, srv, cli)
			if tt.wantUser != "" {
				if serr != nil || cerr != nil {
					t.Fatalf("handshake: server %v, client %v", serr, cerr)
				}
				if user != tt.wantUser {
					t.Errorf("user = %q, want %q", user, tt.wantUser)
				}
				return
			}
			if !errors.Is(serr, ErrUntrusted) {
				t.Fatalf("server error = %v, want ErrUntrusted", serr)
			}
			if user != "" {
				t.Errorf("user %q leaked from a refused certificate", user)
			}
		})
	}
}

// handshake accepts one connection on ln and dials it, running both
// handshakes to the end; it returns each side's error.
func handshake(t *testing.T, ln net.Listener, srv, cli *tls.Config) (serverErr, clientErr error, state tls.ConnectionState) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		sc := tls.Server(c, srv)
		err = sc.Handshake()
		if err == nil {
			// Finish TLS 1.3's client-auth round trip before closing.
			_, err = sc.Write([]byte("ok"))
		}
		done <- err
	}()
	c, err := net.DialTimeout(ln.Addr().Network(), ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	tc := tls.Client(c, cli)
	clientErr = tc.Handshake()
	if clientErr == nil {
		buf := make([]byte, 2)
		_, clientErr = tc.Read(buf)
		state = tc.ConnectionState()
	} else {
		c.Close()
	}
	return <-done, clientErr, state
}
