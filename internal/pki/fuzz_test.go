package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"testing"
	"time"
)

// FuzzParseSerial: never panics, accepts only positive serials of at most
// 20 octets, and whatever it accepts round-trips through FormatSerial.
func FuzzParseSerial(f *testing.F) {
	for _, s := range []string{"660991", "0x0a1bff", "0a:1b:ff", "a1bff", "", "0", "-1", "::", "0x", "ff:ff:ff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSerial(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidSerial) || n != nil {
				t.Fatalf("ParseSerial(%q) = %v, %v", s, n, err)
			}
			return
		}
		if n.Sign() <= 0 || len(n.Bytes()) > maxSerialOctets {
			t.Fatalf("ParseSerial(%q) accepted %v", s, n)
		}
		back, err := ParseSerial(FormatSerial(n))
		if err != nil || back.Cmp(n) != 0 {
			t.Fatalf("round trip of %q: %v, %v", s, back, err)
		}
	})
}

// FuzzIssueClientFromCSR: CSR parsing never panics, refuses with
// ErrInvalidRequest, and anything accepted is bound to the user asked for.
func FuzzIssueClientFromCSR(f *testing.F) {
	ca := newTestCA(f, testOptions(f))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	good := csrPEM(f, key)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add(ca.RootPEM())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		iss, err := ca.IssueClientFromCSR(in, "fuzz", "Fuzz", time.Hour)
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) || iss != nil {
				t.Fatalf("err = %v, iss = %v", err, iss)
			}
			return
		}
		if user, err := ca.VerifyClient([]*x509.Certificate{iss.Cert}); err != nil || user != "fuzz" {
			t.Fatalf("accepted CSR gave a certificate for %q (%v)", user, err)
		}
	})
}
