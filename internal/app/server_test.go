package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/app"
	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// securityHeaders must be on every HTTPS response, whatever its status.
var securityHeaders = []string{
	"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
	"Permissions-Policy", "Strict-Transport-Security",
}

func TestServesOverVerifiedTLS(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			s := apptest.StartEngine(t, e)
			for _, tc := range []struct {
				path   string
				status int
				body   string
			}{
				{"/healthz", 200, "ok"},
				{"/readyz", 200, "ready"},
				{"/", 200, "Citadel"},
				{"/no/such/page", 404, "not found"},
				{"/metrics", 404, ""}, // metrics live on the admin listener only
			} {
				resp, body := s.Get(t, tc.path)
				if resp.StatusCode != tc.status || !strings.Contains(strings.ToLower(body), strings.ToLower(tc.body)) {
					t.Errorf("GET %s = %d %q, want %d containing %q", tc.path, resp.StatusCode, body, tc.status, tc.body)
				}
				if resp.ProtoMajor != 2 {
					t.Errorf("GET %s over %s, want HTTP/2", tc.path, resp.Proto)
				}
				for _, h := range securityHeaders {
					if resp.Header.Get(h) == "" {
						t.Errorf("GET %s: no %s header", tc.path, h)
					}
				}
				csp := resp.Header.Get("Content-Security-Policy")
				if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("CSP %q", csp)
				}
				if resp.Header.Get("X-Request-Id") == "" {
					t.Errorf("GET %s: no request ID", tc.path)
				}
			}
		})
	}
}

func TestAdminListenerServesMetrics(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	s.Get(t, "/healthz")
	resp, err := s.Client.Get(s.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "citadel_http_requests_total") {
		t.Fatalf("admin /metrics = %d, body lacks citadel_http_requests_total", resp.StatusCode)
	}
}

// The admin listener answers only the allowed networks, and with
// --admin-client-cert only holders of a certificate from the CA.
func TestAdminListenerFenced(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	cfg.AdminAllow = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	s := apptest.Start(t, cfg)
	resp, err := s.Client.Get(s.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("admin /metrics from outside the allow-list = %d", resp.StatusCode)
	}

	cfg = apptest.Config(t, store.SQLite)
	cfg.AdminClientCert = true
	s = apptest.Start(t, cfg)
	if _, err := s.Client.Get(s.AdminURL + "/metrics"); err == nil {
		t.Fatal("admin listener served a client without a certificate")
	}
}

func TestHTTPRedirectsToHTTPS(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	req, _ := http.NewRequest("GET", s.HTTPURL+"/some/page?q=1", nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, port, _ := net.SplitHostPort(s.Addr())
	want := "https://127.0.0.1:" + port + "/some/page?q=1"
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Fatalf("HTTP GET = %d Location %q, want 308 %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP")
	}
}

func TestTLSPolicy(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	dial := func(tc *tls.Config) (*tls.Conn, error) {
		d := &net.Dialer{Timeout: 5 * time.Second}
		return tls.DialWithDialer(d, "tcp", s.Addr(), tc)
	}
	t.Run("tls13-preferred", func(t *testing.T) {
		c, err := dial(s.TLSConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
			t.Fatalf("negotiated %x, want TLS 1.3", v)
		}
	})
	t.Run("tls12-aead", func(t *testing.T) {
		tc := s.TLSConfig()
		tc.MaxVersion = tls.VersionTLS12
		c, err := dial(tc)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		name := tls.CipherSuiteName(c.ConnectionState().CipherSuite)
		if !strings.Contains(name, "GCM") && !strings.Contains(name, "CHACHA20") {
			t.Fatalf("TLS 1.2 suite %s is not AEAD", name)
		}
	})
	for _, tc := range []struct {
		name string
		conf func(*tls.Config)
	}{
		{"fail/tls11", func(c *tls.Config) { c.MinVersion = tls.VersionTLS10; c.MaxVersion = tls.VersionTLS11 }},
		{"fail/tls10", func(c *tls.Config) { c.MinVersion = tls.VersionTLS10; c.MaxVersion = tls.VersionTLS10 }},
		{"fail/tls12-cbc-only", func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}
		}},
		{"fail/untrusted-root", func(c *tls.Config) { c.RootCAs = x509.NewCertPool() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := s.TLSConfig()
			tc.conf(conf)
			c, err := dial(conf)
			if err == nil {
				c.Close()
				t.Fatal("handshake succeeded")
			}
		})
	}
}

func TestOversizedRequestsRefused(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	big := strings.Repeat("a", s.Config.MaxHeaderBytes+8192) // net/http allows 4 KiB of slack
	// HTTP/1.1 on purpose: net/http answers 431 itself there.
	h1 := s.NewClient(nil)
	h1.Transport.(*http.Transport).ForceAttemptHTTP2 = false
	h1.Transport.(*http.Transport).TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	req, _ := http.NewRequest("GET", s.URL+"/healthz", nil)
	req.Header.Set("X-Big", big)
	resp, err := h1.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("oversized header = %d, want 431", resp.StatusCode)
	}
	body := strings.NewReader(strings.Repeat("x", int(s.Config.MaxBodyBytes)+1))
	req, _ = http.NewRequest("POST", s.URL+"/", body)
	resp2, text := s.Do(t, req)
	if resp2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body = %d %q, want 413", resp2.StatusCode, text)
	}
}

func TestPanicBecomes500WithRequestID(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	s := apptest.StartWith(t, cfg, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /test/panic", func(http.ResponseWriter, *http.Request) { panic("secret-detail-xyz") })
	})
	resp, body := s.Get(t, "/test/panic")
	id := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != 500 || id == "" || !strings.Contains(body, id) {
		t.Fatalf("panic = %d %q (request id %q)", resp.StatusCode, body, id)
	}
	for _, leak := range []string{"secret-detail-xyz", "goroutine", ".go:"} {
		if strings.Contains(body, leak) {
			t.Fatalf("500 body leaks %q: %s", leak, body)
		}
	}
	// The server still serves.
	if resp, _ := s.Get(t, "/healthz"); resp.StatusCode != 200 {
		t.Fatal("server down after a panic")
	}
}

// A handler that would leak a card number, a stack trace or a database
// error answers 500 with a request ID instead, and the leak is an event.
func TestResponseLeakCheck(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	s := apptest.StartWith(t, cfg, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /test/card", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<p>your card 4111 1111 1111 1111 is saved</p>"))
		})
		mux.HandleFunc("GET /test/sql", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`ERROR:  syntax error at or near "FROM" (SQLSTATE 42601)`))
		})
		mux.HandleFunc("GET /test/fine", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("order 1234567890123 shipped")) // 13 digits, not Luhn-valid as a card
		})
	})
	for _, path := range []string{"/test/card", "/test/sql"} {
		resp, body := s.Get(t, path)
		if resp.StatusCode != 500 || strings.Contains(body, "4111") || strings.Contains(body, "SQLSTATE") {
			t.Fatalf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	if resp, body := s.Get(t, "/test/fine"); resp.StatusCode != 200 || !strings.Contains(body, "shipped") {
		t.Fatalf("an ordinary page was stopped: %d", resp.StatusCode)
	}
}

// The access log has one JSON line per request with its ID, status and
// duration, and never a cookie, an Authorization header or a query string.
func TestAccessLog(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	req, _ := http.NewRequest("GET", s.URL+"/healthz?token=query-secret-1", nil)
	req.Header.Set("Cookie", "__Host-session=cookie-secret-2")
	req.Header.Set("Authorization", "Bearer auth-secret-3")
	resp, _ := s.Do(t, req)
	id := resp.Header.Get("X-Request-Id")
	deadline := time.Now().Add(2 * time.Second)
	var line map[string]any
	for line == nil && time.Now().Before(deadline) {
		for _, l := range strings.Split(s.Stderr.String(), "\n") {
			if strings.Contains(l, id) {
				if err := json.Unmarshal([]byte(l), &line); err != nil {
					t.Fatalf("log line is not JSON: %q", l)
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if line == nil {
		t.Fatalf("no log line with request ID %s", id)
	}
	for _, k := range []string{"status", "duration_ms", "path"} {
		if _, ok := line[k]; !ok {
			t.Errorf("log line lacks %q: %v", k, line)
		}
	}
	for _, secret := range []string{"query-secret-1", "cookie-secret-2", "auth-secret-3"} {
		if s.Stderr.Contains(secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	entered, release := make(chan struct{}), make(chan struct{})
	s := apptest.StartWith(t, cfg, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /test/slow", func(w http.ResponseWriter, r *http.Request) {
			close(entered)
			<-release
			w.Write([]byte("finished"))
		})
	})
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := s.Client.Get(s.URL + "/test/slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-entered
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(3 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections during shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-shut:
		t.Fatalf("shutdown returned (%v) before the in-flight request finished", err)
	default:
	}
	close(release)
	r := <-done
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %d %q %v", r.status, r.body, r.err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// The operator can bring their own certificate and key instead of the
// built-in CA's.
func TestOperatorCertificate(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "operator test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"shop.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)

	cfg := apptest.Config(t, store.SQLite)
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	s := apptest.Start(t, cfg)
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(der)
	pool.AddCert(leaf)
	c := s.NewClient(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	resp, err := c.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS.PeerCertificates[0].SerialNumber.Int64() != 42 {
		t.Fatalf("served %d with serial %v", resp.StatusCode, resp.TLS.PeerCertificates[0].SerialNumber)
	}
	// A wrong key file stops start-up with a clear line.
	cfg2 := apptest.Config(t, store.SQLite)
	cfg2.TLSCert, cfg2.TLSKey = certFile, certFile
	if _, err := app.Start(context.Background(), cfg2, app.Options{CAWorkFactor: 10}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--tls-cert") {
		t.Fatalf("bad key: %v", err)
	}
}
