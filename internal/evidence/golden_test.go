package evidence

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden evidence files in testdata (run testdata/regen.sh)")

// The golden evidence files: made once by writeGolden with fresh keys and
// checked in, so that a change to the formats or the verifier that would
// break receipts already handed out shows up as a failing test.
var goldenReceipts = []string{"receipt-passkey.json", "receipt-session.json"}

const goldenContract = "contract.json"

type golden struct {
	pub   PublicKey
	roots *x509.CertPool
	files map[string][]byte
}

func loadGolden(t testing.TB) *golden {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pub, err := ParsePublicKey(string(read("receipt.pub")))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(read("ca-root.pem")) {
		t.Fatal("testdata/ca-root.pem holds no certificate")
	}
	g := &golden{pub: pub, roots: roots, files: map[string][]byte{}}
	for _, n := range append(goldenReceipts, goldenContract) {
		g.files[n] = read(n)
	}
	return g
}

func (g *golden) verify(name string, b []byte) (string, error) {
	if name == goldenContract {
		p, err := VerifyContract(b, g.roots, g.pub)
		if err != nil {
			return "", err
		}
		return p.Text(), nil
	}
	p, err := VerifyReceipt(b, g.pub)
	if err != nil {
		return "", err
	}
	return p.Text(), nil
}

// TestGolden verifies the checked-in evidence and compares what each
// proves with the checked-in text.
func TestGolden(t *testing.T) {
	if *update {
		writeGolden(t)
	}
	g := loadGolden(t)
	for name, b := range g.files {
		text, err := g.verify(name, b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		if text != string(want) {
			t.Errorf("%s proves:\n%s\nwant:\n%s", name, text, want)
		}
	}
}

// TestGoldenEveryByte changes each byte of each golden file, and deletes
// each, and wants every result refused.
func TestGoldenEveryByte(t *testing.T) {
	g := loadGolden(t)
	for name, b := range g.files {
		for i := range b {
			flipped := bytes.Clone(b)
			flipped[i] ^= 0x01
			if _, err := g.verify(name, flipped); err == nil {
				t.Fatalf("%s verifies with byte %d changed from %q to %q", name, i, b[i], flipped[i])
			}
			cut := append(bytes.Clone(b[:i]), b[i+1:]...)
			if _, err := g.verify(name, cut); err == nil {
				t.Fatalf("%s verifies with byte %d (%q) deleted", name, i, b[i])
			}
		}
	}
}

func writeGolden(t *testing.T) {
	k, err := NewReceiptKey("receipts.shop.example")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("receipt.pub", []byte(k.Public().String()+"\n"))

	// Passkey-signed, accepted by both merchants (one with a passkey).
	d := sampleDual(t, "chk_golden1")
	buyer := newPasskey(t)
	r, err := k.SignReceipt(d, PasskeyConsent("acc_buyer", buyer.sign(t, d.Hash, forge{}), t0.Add(time.Minute)), t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	ordA, ordB := d.OrderInfo.Orders[0].OrderID, d.OrderInfo.Orders[1].OrderID
	ch, err := AcceptanceChallenge(r, ordA, "acc_mugs_staff")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = k.Accept(r, ordA, PasskeyConsent("acc_mugs_staff", newPasskey(t).sign(t, ch, forge{}), t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if r, err = k.Accept(r, ordB, Consent{AccountID: "acc_books_staff", Assurance: AssuranceSession, AuthLevel: AuthPasswordMFA, At: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	write("receipt-passkey.json", r)

	// Session-attested, not accepted yet.
	d2 := sampleDual(t, "chk_golden2")
	r2, err := k.SignReceipt(d2, Consent{AccountID: "acc_buyer", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0.Add(time.Minute)}, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	write("receipt-session.json", r2)

	// A contract: the buyer signs with a client certificate of the
	// platform CA, the merchant with a passkey.
	f := newContract(t)
	f.key = k
	if f.file, err = k.SealContract(f.a, f.sigs, f.ca.ca.Pool(), t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	write(goldenContract, f.file)
	write("ca-root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.ca.ca.Root().Raw}))

	g := loadGolden(t)
	for name, b := range g.files {
		text, err := g.verify(name, b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		write(name+".txt", []byte(text))
	}
}
