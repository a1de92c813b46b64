package browser

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// page serves body under a strict CSP like Citadel's own.
func page(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><html><head><title>t</title></head><body>" + body + "</body></html>"))
	}
}

// The SPKI allow-list trusts the pinned key and only it: the pinned
// server loads, and another server with a certificate Chromium cannot
// verify is still refused (which --ignore-certificate-errors would allow).
func TestTrustedCertPinsExactlyThatKey(t *testing.T) {
	pinned := httptest.NewTLSServer(page(`<h1 id="ok">pinned</h1>`))
	defer pinned.Close()
	other := httptest.NewUnstartedServer(page(`<h1>other</h1>`))
	other.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	other.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	other.StartTLS()
	defer other.Close()

	b := New(t, WithTrustedCert(pinned.Certificate()))
	b.Run(chromedp.Navigate(pinned.URL))
	if got := b.Text("#ok"); got != "pinned" {
		t.Fatalf("pinned server: got %q", got)
	}

	ctx, cancel := context.WithTimeout(b.Context(), 10*time.Second)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Navigate(other.URL))
	if err == nil || !strings.Contains(err.Error(), "CERT") {
		t.Fatalf("fail/unpinned-server: navigation error = %v, want a certificate error", err)
	}
}

// An inline script under a strict CSP is a violation the harness reports;
// a console.error is reported too; a clean page reports nothing.
func TestConsoleErrorsAndCSPViolations(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/clean", rewrite("/", page(`<p>nothing to see</p>`)))
	mux.Handle("/inline", rewrite("/", page(`<script>document.title = "ran"</script>`)))
	mux.Handle("/static/err.js", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`console.error("boom", 42)`))
	}))
	mux.Handle("/logs", rewrite("/", page(`<script src="/static/err.js"></script>`)))
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()

	b := New(t, WithTrustedCert(srv.Certificate()))
	b.Run(chromedp.Navigate(srv.URL + "/clean"))
	b.AssertNoConsoleErrors(t)

	b.Run(chromedp.Navigate(srv.URL + "/inline"))
	if title := Get(b, chromedp.Title()); title == "ran" {
		t.Fatal("the inline script ran despite the CSP")
	}
	probs := b.ConsoleErrors()
	if len(probs) != 1 || !strings.Contains(probs[0], "Content Security Policy") {
		t.Fatalf("fail/inline-script: problems = %q, want one CSP violation", probs)
	}

	b.Run(chromedp.Navigate(srv.URL + "/logs"))
	probs = b.ConsoleErrors()
	if len(probs) != 2 || !strings.Contains(probs[1], "console.error: boom 42") || !strings.Contains(probs[1], "err.js:1") {
		t.Fatalf("fail/console-error: problems = %q", probs)
	}
}

// A failing action ends the test with the error and the page's address,
// and leaves a screenshot and the page's HTML behind.
func TestRunFailureSavesThePage(t *testing.T) {
	srv := httptest.NewTLSServer(page(`<h1>here</h1>`))
	defer srv.Close()
	t.Setenv(ArtifactsEnv, t.TempDir())
	b := New(t, WithTrustedCert(srv.Certificate()), WithTimeout(time.Second))
	b.Run(chromedp.Navigate(srv.URL))

	fake := &fatalTB{TB: t}
	b.t = fake
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Run(chromedp.WaitVisible(chromedp.CSS("#never")))
	}()
	<-done
	b.t = t
	if !strings.Contains(fake.msg, "deadline exceeded") || !strings.Contains(fake.msg, "page: "+srv.URL) {
		t.Fatalf("failure message:\n%s", fake.msg)
	}
	for _, name := range []string{"failure.png", "failure.html"} {
		p := filepath.Join(b.ArtifactDir(), name)
		if !strings.Contains(fake.msg, "saved: "+p) {
			t.Errorf("message does not name %s:\n%s", p, fake.msg)
		}
		if data, err := os.ReadFile(p); err != nil || len(data) == 0 {
			t.Errorf("%s: %v", p, err)
		} else if name == "failure.html" && !strings.Contains(string(data), "<h1>here</h1>") {
			t.Errorf("%s = %q", p, data)
		}
	}
}

// fatalTB records Fatal and stops the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func TestArtifactNames(t *testing.T) {
	for in, want := range map[string]string{
		"TestShop":                 "TestShop",
		"TestShop/cart_and_pay":    "TestShop/cart_and_pay",
		"TestShop/..":              "TestShop/_..",
		"TestShop/a b\\c":          "TestShop/a_b_c",
		"TestShop/#00/checkout.go": "TestShop/_00/checkout.go",
	} {
		if got := testDir(in); got != want {
			t.Errorf("testDir(%q) = %q, want %q", in, got, want)
		}
	}
	if got := fileName("../../etc/passwd"); strings.Contains(got, "/") {
		t.Errorf("fileName kept a slash: %q", got)
	}
}

func rewrite(path string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = path
		h.ServeHTTP(w, r)
	})
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "other"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
