package evidence

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/identity/passkey/passkeytest"
)

const (
	testRPID   = "shop.example"
	testOrigin = "https://shop.example"
)

// t0 is when the fixtures' checkout starts.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func testKey(t testing.TB) *ReceiptKey {
	t.Helper()
	k, err := NewReceiptKey("receipts.shop.example")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sampleOI is a checkout with two merchants: 2 mugs and a poster from
// the first, a book from the second.
func sampleOI(checkout string) OrderInfo {
	return OrderInfo{
		CheckoutID: checkout, BuyerID: "acc_buyer", Nonce: NewNonce(), Currency: "EUR",
		Shipping:  Shipping{Method: "standard", Country: "DE", AddressHash: Sum([]byte("Hauptstr. 1, 10115 Berlin"))},
		CreatedAt: t0,
		Orders: []OrderPart{
			{OrderID: checkout + "-ord_a", MerchantID: "mer_mugs", MerchantName: "Mugs & Co.",
				Lines: []Line{
					{SKU: "MUG-BLUE", Title: "Mug \"Ocean\"", Variant: "blue, 300 ml", UnitPrice: 1250, Quantity: 2, Total: 2500},
					{SKU: "POSTER-1", Title: "Poster — Berge", UnitPrice: 990, Quantity: 1, Total: 990},
				},
				Subtotal: 3490, Shipping: 490, Tax: 756, Total: 4736},
			{OrderID: checkout + "-ord_b", MerchantID: "mer_books", MerchantName: "Bücherwurm",
				Lines:    []Line{{SKU: "BOOK-42", Title: "Der Prozess", UnitPrice: 1800, Quantity: 1, Total: 1800}},
				Subtotal: 1800, Shipping: 0, Tax: 126, Total: 1926},
		},
		Total: 6662,
	}
}

func samplePI(oi OrderInfo) PaymentInstruction {
	return PaymentInstruction{CheckoutID: oi.CheckoutID, BuyerID: oi.BuyerID, Nonce: NewNonce(),
		CardToken: "tok_4f9a1c2e7b", Brand: "visa", Last4: "4242", Amount: oi.Total, Currency: oi.Currency}
}

func sampleDual(t testing.TB, checkout string) *Dual {
	t.Helper()
	oi := sampleOI(checkout)
	d, err := NewDual(oi, samplePI(oi))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// authenticator is a software passkey: P-256 (through passkeytest, as the
// passkey package's tests use) or Ed25519.
type authenticator struct {
	credID string
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	cose   []byte
}

func newPasskey(t testing.TB) *authenticator {
	id := make([]byte, 16)
	rand.Read(id)
	k := passkeytest.NewKey()
	return &authenticator{credID: b64.EncodeToString(id), ec: k, cose: passkeytest.COSEKey(&k.PublicKey)}
}

func newEd25519Passkey(t testing.TB) *authenticator {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	// COSE_Key {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x}
	cose := append([]byte{0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20}, pub...)
	return &authenticator{credID: "ZWQyNTUxOQ", ed: priv, cose: cose}
}

// forge changes one thing about an assertion, as a broken or hostile
// browser or authenticator might.
type forge struct {
	typ, origin, rpID string
	challenge         []byte
	flags             byte
	setFlags          bool
	crossOrigin       bool
	clientData        []byte // verbatim client data
	signer            *authenticator
}

// sign makes an assertion over challenge as a browser on testOrigin would.
func (a *authenticator) sign(t testing.TB, challenge Digest, f forge) PasskeyAssertion {
	t.Helper()
	typ, origin, rpID, ch, flags := "webauthn.get", testOrigin, testRPID, challenge[:], byte(passkeytest.FlagUP|passkeytest.FlagUV)
	if f.typ != "" {
		typ = f.typ
	}
	if f.origin != "" {
		origin = f.origin
	}
	if f.rpID != "" {
		rpID = f.rpID
	}
	if f.challenge != nil {
		ch = f.challenge
	}
	if f.setFlags {
		flags = f.flags
	}
	cd := f.clientData
	if cd == nil {
		cd, _ = json.Marshal(struct {
			Type        string `json:"type"`
			Challenge   string `json:"challenge"`
			Origin      string `json:"origin"`
			CrossOrigin bool   `json:"crossOrigin"`
		}{typ, b64.EncodeToString(ch), origin, f.crossOrigin})
	}
	rpHash := sha256.Sum256([]byte(rpID))
	authData := binary.BigEndian.AppendUint32(append(rpHash[:], flags), 7)
	signer := a
	if f.signer != nil {
		signer = f.signer
	}
	var sig []byte
	if signer.ec != nil {
		var err error
		if sig, err = passkeytest.Sign(signer.ec, authData, cd); err != nil {
			t.Fatal(err)
		}
	} else {
		h := sha256.Sum256(cd)
		sig = ed25519.Sign(signer.ed, slices.Concat(authData, h[:]))
	}
	return PasskeyAssertion{CredentialID: a.credID, RPID: testRPID, Origin: testOrigin,
		AuthenticatorData: authData, ClientDataJSON: cd, Signature: sig, PublicKey: a.cose}
}

// wantErr checks err against a sentinel (nil: success expected) and the
// words its message must hold.
func wantErr(t *testing.T, err, want error, words ...string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one wrapping %q", err, want)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

// edit parses a canonical file, lets fn change the tree and encodes it
// again: a change that keeps the file canonical, so only the checks
// behind the form can catch it.
func edit(t testing.TB, file []byte, fn func(m map[string]any)) []byte {
	t.Helper()
	v, err := ParseCanonical(file)
	if err != nil {
		t.Fatal(err)
	}
	fn(v.(map[string]any))
	out, err := Canonical(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// resign is edit for a change inside a signed statement: after fn, it
// signs the statement under key again (field names the statement and
// purpose its signature), so the test reaches the checks behind the
// platform's signature, as a platform bug or a stolen key would.
func resign(t testing.TB, k *ReceiptKey, file []byte, field, purpose string, fn func(stmt map[string]any)) []byte {
	t.Helper()
	return edit(t, file, func(m map[string]any) {
		stmt := m[field].(map[string]any)
		fn(stmt)
		body, err := Canonical(stmt)
		if err != nil {
			t.Fatal(err)
		}
		m["signature"] = k.sign(purpose, body).value()
	})
}

// path walks a tree by keys and indexes ("orders", 0, "lines").
func path(v any, steps ...any) any {
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			v = v.(map[string]any)[s]
		case int:
			v = v.([]any)[s]
		}
	}
	return v
}

func nd(v any, steps ...any) map[string]any { return path(v, steps...).(map[string]any) }
