package evidence

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

// TestDualHash recomputes the dual hash from the canonical documents with
// nothing but SHA-256.
func TestDualHash(t *testing.T) {
	d := sampleDual(t, "chk_1")
	hoi, hpi := sha256.Sum256(d.OrderInfoJSON()), sha256.Sum256(d.PaymentInstructionJSON())
	want := sha256.Sum256(append(hoi[:], hpi[:]...))
	if d.Hash != want || d.OIHash != hoi || d.PIHash != hpi {
		t.Fatalf("dual hash %s, want %s", d.Hash, Digest(want))
	}
	if _, err := ParseCanonical(d.OrderInfoJSON()); err != nil {
		t.Fatalf("OI is not canonical: %v", err)
	}
	if bytes.Contains(d.OrderInfoJSON(), []byte("tok_")) || bytes.Contains(d.OrderInfoJSON(), []byte("4242")) {
		t.Fatal("the OI holds payment data")
	}
	if s := d.PaymentInstruction.String(); strings.Contains(s, "tok_") {
		t.Fatalf("PaymentInstruction.String shows the token: %s", s)
	}
	// The same documents give the same bytes; a new nonce gives another hash.
	again, err := NewDual(d.OrderInfo, d.PaymentInstruction)
	if err != nil || again.Hash != d.Hash {
		t.Fatalf("NewDual is not deterministic: %v", err)
	}
	if other := sampleDual(t, "chk_1"); other.Hash == d.Hash {
		t.Fatal("two checkouts with fresh nonces share a dual hash")
	}
}

func TestNewDualRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(oi *OrderInfo, pi *PaymentInstruction)
		words string
	}{
		{"fail/pi-for-other-checkout", func(oi *OrderInfo, pi *PaymentInstruction) { pi.CheckoutID = "chk_other" }, "checkout"},
		{"fail/pi-for-other-buyer", func(oi *OrderInfo, pi *PaymentInstruction) { pi.BuyerID = "acc_other" }, "buyers"},
		{"fail/amount-differs", func(oi *OrderInfo, pi *PaymentInstruction) { pi.Amount-- }, "differs"},
		{"fail/currency-differs", func(oi *OrderInfo, pi *PaymentInstruction) { pi.Currency = "USD" }, "differs"},
		{"fail/shared-nonce", func(oi *OrderInfo, pi *PaymentInstruction) { pi.Nonce = oi.Nonce }, "nonce"},
		{"fail/short-nonce", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Nonce = "AAAA" }, "nonce"},
		{"fail/line-total-wrong", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders[0].Lines[0].Total++ }, "unit price"},
		{"fail/subtotal-wrong", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders[0].Subtotal++ }, "subtotal"},
		{"fail/order-total-wrong", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders[1].Total++ }, "total"},
		{"fail/grand-total-wrong", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Total++; pi.Amount++ }, "add up"},
		{"fail/zero-quantity", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders[0].Lines[0].Quantity = 0 }, "quantity"},
		{"fail/negative-price", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders[0].Lines[0].UnitPrice = -1 }, "unit_price"},
		{"fail/price-overflow", func(oi *OrderInfo, pi *PaymentInstruction) {
			oi.Orders[0].Lines[0].UnitPrice = MaxInteger
		}, "unit price"},
		{"fail/no-orders", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders = nil }, "orders"},
		{"fail/no-lines", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders[0].Lines = nil }, "lines"},
		{"fail/duplicate-order", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders[1].OrderID = oi.Orders[0].OrderID }, "twice"},
		{"fail/lower-case-currency", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Currency, pi.Currency = "eur", "eur" }, "currency"},
		{"fail/control-character-in-title", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders[0].Lines[0].Title = "Mug\x1b[31m" }, "control"},
		{"fail/bidi-override-in-title", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Orders[0].Lines[0].Title = "Mug \u202egnp.exe" }, "control"},
		{"fail/id-with-space", func(oi *OrderInfo, pi *PaymentInstruction) { oi.BuyerID, pi.BuyerID = "acc buyer", "acc buyer" }, "buyer_id"},
		{"fail/country", func(oi *OrderInfo, pi *PaymentInstruction) { oi.Shipping.Country = "Germany" }, "country"},
		{"fail/no-created-at", func(oi *OrderInfo, pi *PaymentInstruction) { oi.CreatedAt = oi.CreatedAt.AddDate(-100, 0, 0) }, "created_at"},
		{"fail/last4-not-digits", func(oi *OrderInfo, pi *PaymentInstruction) { pi.Last4 = "42a2" }, "last4"},
		{"fail/pan-as-token", func(oi *OrderInfo, pi *PaymentInstruction) { pi.CardToken = "4242 4242 4242 4242" }, "card_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oi := sampleOI("chk_1")
			pi := samplePI(oi)
			tc.edit(&oi, &pi)
			_, err := NewDual(oi, pi)
			wantErr(t, err, ErrInvalidDocument, tc.words)
		})
	}
}

func TestViews(t *testing.T) {
	k := testKey(t)
	pk := newPasskey(t)
	d := sampleDual(t, "chk_1")
	other := sampleDual(t, "chk_2")
	passkey := PasskeyConsent("acc_buyer", pk.sign(t, d.Hash, forge{}), t0)
	session, err := k.AttestSession(d.Hash, "acc_buyer", AuthPasswordMFA, t0)
	if err != nil {
		t.Fatal(err)
	}
	tamperedOI := edit(t, d.OrderInfoJSON(), func(m map[string]any) {
		nd(m, "orders", 0, "lines", 0)["title"] = "Mug \"Gold\""
	})
	tamperedPI := edit(t, d.PaymentInstructionJSON(), func(m map[string]any) { m["card_token"] = "tok_someone_else" })
	otherKey := testKey(t)
	sessionOtherKey, _ := otherKey.AttestSession(d.Hash, "acc_buyer", AuthPasswordMFA, t0)
	sessionLowered := session
	sessionLowered.AuthLevel = AuthPassword
	sessionNoSig := session
	sessionNoSig.Attestation = nil

	for _, tc := range []struct {
		name     string
		merchant MerchantView
		payment  PaymentView
		words    string // "" for success
	}{
		{"ok/passkey", d.MerchantView(passkey), d.PaymentView(passkey), ""},
		{"ok/session", d.MerchantView(session), d.PaymentView(session), ""},
		{"fail/tampered-oi", MerchantView{tamperedOI, d.PIHash, passkey}, PaymentView{d.PaymentInstructionJSON(), Sum(tamperedOI), passkey}, "another challenge"},
		{"fail/tampered-pi", MerchantView{d.OrderInfoJSON(), Sum(tamperedPI), passkey}, PaymentView{tamperedPI, d.OIHash, passkey}, "another challenge"},
		{"fail/pi-hash-of-another-order", MerchantView{d.OrderInfoJSON(), other.PIHash, passkey}, PaymentView{other.PaymentInstructionJSON(), d.OIHash, passkey}, "another challenge"},
		{"fail/oi-hash-of-another-order", MerchantView{other.OrderInfoJSON(), d.PIHash, passkey}, PaymentView{d.PaymentInstructionJSON(), other.OIHash, passkey}, "another challenge"},
		{"fail/session-tampered-oi", MerchantView{tamperedOI, d.PIHash, session}, PaymentView{d.PaymentInstructionJSON(), Sum(tamperedOI), session}, "signature"},
		{"fail/session-attested-by-other-key", d.MerchantView(sessionOtherKey), d.PaymentView(sessionOtherKey), "signature"},
		{"fail/session-level-raised-after-signing", d.MerchantView(sessionLowered), d.PaymentView(sessionLowered), "signature"},
		{"fail/session-without-attestation", d.MerchantView(sessionNoSig), d.PaymentView(sessionNoSig), "signature"},
		{"fail/consent-of-another-account", d.MerchantView(PasskeyConsent("acc_eve", passkey.Passkey.clone(), t0)),
			d.PaymentView(PasskeyConsent("acc_eve", passkey.Passkey.clone(), t0)), "acc_eve"},
		{"fail/not-canonical-oi", MerchantView{append(d.OrderInfoJSON(), ' '), d.PIHash, passkey}, PaymentView{append(d.PaymentInstructionJSON(), '\n'), d.OIHash, passkey}, "canonical"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oi, err := VerifyMerchantView(tc.merchant, k.Public())
			pi, err2 := VerifyPaymentView(tc.payment, k.Public())
			if tc.words == "" {
				wantErr(t, err, nil)
				wantErr(t, err2, nil)
				if oi.CheckoutID != "chk_1" || pi.Amount != oi.Total {
					t.Fatalf("views decoded to %+v and %v", oi, pi)
				}
				return
			}
			wantErr(t, err, ErrVerify, tc.words)
			wantErr(t, err2, ErrVerify, tc.words)
		})
	}
}

func (a *PasskeyAssertion) clone() PasskeyAssertion { return *a }
