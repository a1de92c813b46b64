package evidence

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// receiptFixture is a signed receipt with what made it.
type receiptFixture struct {
	key   *ReceiptKey
	dual  *Dual
	buyer *authenticator
	file  []byte
}

func newReceipt(t testing.TB, assurance Assurance) *receiptFixture {
	t.Helper()
	f := &receiptFixture{key: testKey(t), dual: sampleDual(t, "chk_1"), buyer: newPasskey(t)}
	var c Consent
	if assurance == AssurancePasskey {
		c = PasskeyConsent("acc_buyer", f.buyer.sign(t, f.dual.Hash, forge{}), t0.Add(time.Minute))
	} else {
		c = Consent{AccountID: "acc_buyer", Assurance: AssuranceSession, AuthLevel: AuthPasswordMFA, At: t0.Add(time.Minute)}
	}
	var err error
	if f.file, err = f.key.SignReceipt(f.dual, c, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestReceipt(t *testing.T) {
	for _, a := range []Assurance{AssurancePasskey, AssuranceSession} {
		t.Run(string(a), func(t *testing.T) {
			f := newReceipt(t, a)
			p, err := VerifyReceipt(f.file, f.key.Public())
			wantErr(t, err, nil)
			if p.Buyer.Assurance != a || p.Buyer.AccountID != "acc_buyer" || p.DualHash != f.dual.Hash ||
				p.PIHash != f.dual.PIHash || p.OIHash != f.dual.OIHash || !p.IssuedAt.Equal(t0.Add(2*time.Minute)) ||
				p.Payment != (PaymentSummary{"visa", "4242", 6662, "EUR"}) || p.KeyID != f.key.Public().ID() ||
				len(p.Order.Orders) != 2 || p.Order.Orders[0].Lines[0].Title != "Mug \"Ocean\"" || len(p.Acceptances) != 0 {
				t.Fatalf("proof: %+v", p)
			}
			// Nothing of the PI beyond brand and last four is in the receipt.
			for _, secret := range []string{f.dual.PaymentInstruction.CardToken, f.dual.PaymentInstruction.Nonce} {
				if bytes.Contains(f.file, []byte(secret)) {
					t.Fatalf("receipt holds %q", secret)
				}
			}
			text := p.Text()
			for _, w := range []string{string(a), "chk_1", "acc_buyer", "visa card ending 4242", "not accepted"} {
				if !strings.Contains(text, w) {
					t.Errorf("Text() lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestSignReceiptRefuses(t *testing.T) {
	k, pk := testKey(t), newPasskey(t)
	d, other := sampleDual(t, "chk_1"), sampleDual(t, "chk_2")
	at := t0.Add(2 * time.Minute)
	for _, tc := range []struct {
		name  string
		c     Consent
		at    time.Time
		want  error
		words string
	}{
		{"fail/passkey-over-other-order", PasskeyConsent("acc_buyer", pk.sign(t, other.Hash, forge{}), t0), at, ErrVerify, "another challenge"},
		{"fail/consent-of-other-account", PasskeyConsent("acc_eve", pk.sign(t, d.Hash, forge{}), t0), at, ErrInvalidDocument, "acc_eve"},
		{"fail/no-auth-level", Consent{AccountID: "acc_buyer", Assurance: AssuranceSession, At: t0}, at, ErrInvalidDocument, "auth level"},
		{"fail/unknown-assurance", Consent{AccountID: "acc_buyer", Assurance: "trust-me", At: t0}, at, ErrInvalidDocument, "assurance"},
		{"fail/passkey-and-level", Consent{AccountID: "acc_buyer", Assurance: AssurancePasskey, AuthLevel: AuthPassword, At: t0}, at, ErrInvalidDocument, "passkey"},
		{"fail/consent-before-order", Consent{AccountID: "acc_buyer", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0.Add(-time.Hour)}, at, ErrInvalidDocument, "before"},
		{"fail/issued-before-consent", Consent{AccountID: "acc_buyer", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0.Add(time.Hour)}, at, ErrInvalidDocument, "before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file, err := k.SignReceipt(d, tc.c, tc.at)
			if file != nil {
				t.Fatal("a refused receipt returned a file")
			}
			wantErr(t, err, tc.want, tc.words)
		})
	}
}

func TestAcceptance(t *testing.T) {
	f := newReceipt(t, AssurancePasskey)
	ordA, ordB := f.dual.OrderInfo.Orders[0].OrderID, f.dual.OrderInfo.Orders[1].OrderID
	staff := newPasskey(t)

	// The second merchant accepts first, with a passkey; the first one by session.
	ch, err := AcceptanceChallenge(f.file, ordB, "acc_books_staff")
	if err != nil {
		t.Fatal(err)
	}
	one, err := f.key.Accept(f.file, ordB, PasskeyConsent("acc_books_staff", staff.sign(t, ch, forge{}), t0.Add(time.Hour)))
	wantErr(t, err, nil)
	two, err := f.key.Accept(one, ordA, Consent{AccountID: "acc_mugs_staff", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0.Add(2 * time.Hour)})
	wantErr(t, err, nil)

	p, err := VerifyReceipt(two, f.key.Public())
	wantErr(t, err, nil)
	if len(p.Acceptances) != 2 || p.Acceptances[0].OrderID != ordA || p.Acceptances[1].OrderID != ordB ||
		p.Acceptances[0].Merchant.Assurance != AssuranceSession || p.Acceptances[1].Merchant.Assurance != AssurancePasskey ||
		p.Acceptances[1].MerchantID != "mer_books" || !p.Acceptances[1].Merchant.At.Equal(t0.Add(time.Hour)) {
		t.Fatalf("acceptances: %+v", p.Acceptances)
	}
	if strings.Contains(p.Text(), "not accepted") || !strings.Contains(p.Text(), "acc_books_staff") {
		t.Fatalf("Text():\n%s", p.Text())
	}
	// An acceptance is appended, never woven into what was signed before:
	// taking it out again gives the earlier file byte for byte.
	if back := edit(t, two, func(m map[string]any) { m["acceptances"] = m["acceptances"].([]any)[1:] }); !bytes.Equal(back, one) {
		t.Fatal("removing the later acceptance does not give the earlier receipt")
	}

	// A second receipt for the same checkout, for grafting tests.
	second, err := f.key.SignReceipt(f.dual, PasskeyConsent("acc_buyer", f.buyer.sign(t, f.dual.Hash, forge{}), t0.Add(time.Minute)), t0.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	secondAccepted, err := f.key.Accept(second, ordA, Consent{AccountID: "acc_mugs_staff", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0.Add(4 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("refuse", func(t *testing.T) {
		otherKey := testKey(t)
		for _, tc := range []struct {
			name    string
			key     *ReceiptKey
			receipt []byte
			order   string
			c       Consent
			want    error
			words   string
		}{
			{"fail/already-accepted", f.key, two, ordA, Consent{AccountID: "acc_x", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0.Add(5 * time.Hour)}, ErrInvalidDocument, "already"},
			{"fail/unknown-order", f.key, f.file, "ord_nope", Consent{AccountID: "acc_x", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0.Add(5 * time.Hour)}, ErrInvalidDocument, "no order"},
			{"fail/before-issue", f.key, f.file, ordA, Consent{AccountID: "acc_x", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0}, ErrVerify, "before"},
			{"fail/passkey-over-other-challenge", f.key, f.file, ordA, PasskeyConsent("acc_mugs_staff", staff.sign(t, ch, forge{}), t0.Add(5*time.Hour)), ErrVerify, "another challenge"},
			{"fail/challenge-of-other-account", f.key, f.file, ordB, PasskeyConsent("acc_eve", staff.sign(t, ch, forge{}), t0.Add(5*time.Hour)), ErrVerify, "another challenge"},
			{"fail/receipt-of-other-key", otherKey, f.file, ordA, Consent{AccountID: "acc_x", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0.Add(5 * time.Hour)}, ErrUnknownKey, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, err := tc.key.Accept(tc.receipt, tc.order, tc.c)
				if out != nil {
					t.Fatal("a refused acceptance returned a file")
				}
				wantErr(t, err, tc.want, tc.words)
			})
		}
	})

	t.Run("verify", func(t *testing.T) {
		k := f.key
		graft := func(from []byte) []byte {
			return edit(t, two, func(m map[string]any) {
				src := path(mustParse(t, from), "acceptances").([]any)[0]
				m["acceptances"].([]any)[0] = src
			})
		}
		reAccept := func(fn func(acc map[string]any)) []byte {
			return edit(t, two, func(m map[string]any) {
				entry := nd(m, "acceptances", 0)
				acc := entry["acceptance"].(map[string]any)
				fn(acc)
				body, _ := Canonical(acc)
				entry["signature"] = k.sign(purposeAcceptance, body).value()
			})
		}
		for _, tc := range []struct {
			name  string
			file  []byte
			words string
		}{
			{"fail/acceptance-from-other-receipt", graft(secondAccepted), "another receipt"},
			{"fail/acceptance-time-changed", edit(t, two, func(m map[string]any) {
				nd(m, "acceptances", 0, "acceptance", "merchant")["at"] = fmtTime(t0.Add(9 * time.Hour))
			}), "signature"},
			{"fail/acceptances-out-of-order", edit(t, two, func(m map[string]any) {
				a := m["acceptances"].([]any)
				a[0], a[1] = a[1], a[0]
			}), "order"},
			{"fail/accepted-twice", edit(t, two, func(m map[string]any) {
				a := m["acceptances"].([]any)
				m["acceptances"] = []any{a[0], a[0]}
			}), "twice"},
			{"fail/acceptance-signed-as-receipt", edit(t, two, func(m map[string]any) {
				entry := nd(m, "acceptances", 0)
				body, _ := Canonical(entry["acceptance"])
				entry["signature"] = k.sign(purposeReceipt, body).value()
			}), "signature"},
			{"fail/resigned-for-other-merchant", reAccept(func(acc map[string]any) { acc["merchant_id"] = "mer_books" }), "does not hold"},
			{"fail/resigned-for-unknown-order", reAccept(func(acc map[string]any) { acc["order_id"] = "ord_nope" }), "does not hold"},
			{"fail/resigned-before-issue", reAccept(func(acc map[string]any) {
				nd(acc, "merchant")["at"] = fmtTime(t0)
			}), "before"},
			{"fail/resigned-passkey-for-other-account", edit(t, two, func(m map[string]any) {
				entry := nd(m, "acceptances", 1)
				acc := entry["acceptance"].(map[string]any)
				nd(acc, "merchant")["account_id"] = "acc_eve"
				body, _ := Canonical(acc)
				entry["signature"] = k.sign(purposeAcceptance, body).value()
			}), "another challenge"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := VerifyReceipt(tc.file, k.Public())
				if p != nil {
					t.Fatal("a failed verification returned a proof")
				}
				wantErr(t, err, ErrVerify, tc.words)
			})
		}
	})
}

func mustParse(t testing.TB, b []byte) any {
	t.Helper()
	v, err := ParseCanonical(b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestVerifyReceiptRefuses lists the ways a receipt can be wrong. Cases
// built with resign pass the platform signature (as if the platform had
// a bug or its key were stolen) to reach the checks behind it.
func TestVerifyReceiptRefuses(t *testing.T) {
	f := newReceipt(t, AssurancePasskey)
	s := newReceipt(t, AssuranceSession)
	k := f.key
	other := sampleDual(t, "chk_2")
	re := func(fn func(stmt map[string]any)) []byte { return resign(t, k, f.file, "receipt", purposeReceipt, fn) }
	pretty := bytes.ReplaceAll(f.file, []byte(`,"`), []byte(`, "`))
	otherReceipt, err := k.SignReceipt(other, Consent{AccountID: "acc_buyer", Assurance: AssuranceSession, AuthLevel: AuthPassword, At: t0}, t0)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		file  []byte
		key   PublicKey
		want  error
		words string
	}{
		{"fail/empty", nil, k.Public(), ErrMalformed, ""},
		{"fail/whitespace-added", pretty, k.Public(), ErrNotCanonical, ""},
		{"fail/trailing-newline", append(bytes.Clone(f.file), '\n'), k.Public(), ErrNotCanonical, ""},
		{"fail/other-format", edit(t, f.file, func(m map[string]any) { m["format"] = "citadel-receipt/v2" }), k.Public(), ErrInvalidDocument, "format"},
		{"fail/contract-file", edit(t, f.file, func(m map[string]any) { m["format"] = formatContract }), k.Public(), ErrInvalidDocument, "format"},
		{"fail/unknown-top-field", edit(t, f.file, func(m map[string]any) { m["note"] = "hi" }), k.Public(), ErrInvalidDocument, "unknown"},
		{"fail/no-acceptances-field", edit(t, f.file, func(m map[string]any) { delete(m, "acceptances") }), k.Public(), ErrInvalidDocument, "missing"},
		{"fail/other-platform-key", f.file, testKey(t).Public(), ErrUnknownKey, "receipts.shop.example"},
		{"fail/no-platform-key", f.file, PublicKey{}, ErrVerify, "no platform"},
		{"fail/same-name-other-key", f.file, sameNameKey(t, k), ErrUnknownKey, ""},
		{"fail/key-id-rewritten", edit(t, f.file, func(m map[string]any) { nd(m, "signature")["key_id"] = "x+00000000" }), k.Public(), ErrUnknownKey, ""},
		{"fail/signature-of-other-receipt", edit(t, f.file, func(m map[string]any) { m["signature"] = nd(mustParse(t, otherReceipt), "signature") }), k.Public(), ErrVerify, "signature"},
		{"fail/price-changed", edit(t, f.file, func(m map[string]any) {
			nd(m, "receipt", "order_info", "orders", 0, "lines", 0)["unit_price"] = int64(1)
		}), k.Public(), ErrVerify, "signature"},
		{"fail/assurance-raised", edit(t, s.file, func(m map[string]any) { nd(m, "receipt", "buyer")["auth_level"] = "password" }), s.key.Public(), ErrVerify, "signature"},
		{"fail/signature-truncated", edit(t, f.file, func(m map[string]any) {
			sig := nd(m, "signature")
			sig["sig"] = sig["sig"].(string)[:20]
		}), k.Public(), ErrVerify, "signature"},
		// Behind the platform signature:
		{"fail/resigned-pi-hash-of-other-order", re(func(st map[string]any) { st["pi_hash"] = other.PIHash.String() }), k.Public(), ErrVerify, "dual hash"},
		{"fail/resigned-pi-and-dual-hash-of-other-order", re(func(st map[string]any) {
			st["pi_hash"], st["dual_hash"] = other.PIHash.String(), DualHash(f.dual.OIHash, other.PIHash).String()
		}), k.Public(), ErrVerify, "another challenge"},
		{"fail/resigned-oi-tampered", re(func(st map[string]any) {
			nd(st, "order_info", "orders", 0, "lines", 0)["title"] = "Gold bar"
		}), k.Public(), ErrVerify, "dual hash"},
		{"fail/resigned-totals-do-not-add-up", re(func(st map[string]any) { nd(st, "order_info")["total"] = int64(1) }), k.Public(), ErrInvalidDocument, "add up"},
		{"fail/resigned-payment-amount", re(func(st map[string]any) { nd(st, "payment")["amount"] = int64(1) }), k.Public(), ErrVerify, "payment of 1"},
		{"fail/resigned-payment-currency", re(func(st map[string]any) { nd(st, "payment")["currency"] = "USD" }), k.Public(), ErrVerify, "USD"},
		{"fail/resigned-full-card-number", re(func(st map[string]any) { nd(st, "payment")["last4"] = "4242424242424242" }), k.Public(), ErrInvalidDocument, "last4"},
		{"fail/resigned-other-buyer", re(func(st map[string]any) { nd(st, "buyer")["account_id"] = "acc_eve" }), k.Public(), ErrVerify, "acc_eve"},
		{"fail/resigned-passkey-downgraded-to-session", re(func(st map[string]any) {
			b := nd(st, "buyer")
			delete(b, "passkey")
			b["assurance"], b["auth_level"] = "session-attested", "password"
		}), k.Public(), nil, ""}, // the platform may say so: it is the one attesting sessions
		{"fail/resigned-session-claims-passkey", resign(t, s.key, s.file, "receipt", purposeReceipt, func(st map[string]any) {
			nd(st, "buyer")["assurance"] = "passkey-signed"
		}), s.key.Public(), ErrInvalidDocument, "passkey"},
		{"fail/resigned-issued-before-consent", re(func(st map[string]any) { st["issued_at"] = fmtTime(t0) }), k.Public(), ErrVerify, "before"},
		{"fail/resigned-time-with-fraction", re(func(st map[string]any) { st["issued_at"] = "2026-03-01T10:02:00.5Z" }), k.Public(), ErrInvalidDocument, "issued_at"},
		{"fail/resigned-time-with-offset", re(func(st map[string]any) { st["issued_at"] = "2026-03-01T11:02:00+01:00" }), k.Public(), ErrInvalidDocument, "issued_at"},
		{"fail/resigned-upper-case-hash", re(func(st map[string]any) { st["pi_hash"] = strings.ToUpper(st["pi_hash"].(string)) }), k.Public(), ErrInvalidDocument, "pi_hash"},
		{"fail/resigned-padded-base64", re(func(st map[string]any) {
			pk := nd(st, "buyer", "passkey")
			pk["signature"] = pk["signature"].(string) + "="
		}), k.Public(), ErrInvalidDocument, "signature"},
		{"fail/resigned-unknown-field", re(func(st map[string]any) { st["discount"] = int64(100) }), k.Public(), ErrInvalidDocument, "unknown"},
		{"fail/resigned-unknown-line-field", re(func(st map[string]any) {
			nd(st, "order_info", "orders", 1, "lines", 0)["colour"] = "red"
		}), k.Public(), ErrInvalidDocument, "receipt.order_info.orders[1].lines[0]"},
		{"fail/resigned-null-for-field", re(func(st map[string]any) { nd(st, "order_info")["org_id"] = nil }), k.Public(), ErrInvalidDocument, "org_id"},
		{"fail/resigned-float-smuggled-as-string", re(func(st map[string]any) { nd(st, "payment")["amount"] = "6662" }), k.Public(), ErrInvalidDocument, "amount"},
		{"fail/resigned-as-acceptance", edit(t, f.file, func(m map[string]any) {
			body, _ := Canonical(m["receipt"])
			m["signature"] = k.sign(purposeAcceptance, body).value()
		}), k.Public(), ErrVerify, "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := VerifyReceipt(tc.file, tc.key)
			if tc.want == nil {
				wantErr(t, err, nil)
				return
			}
			if p != nil {
				t.Fatal("a failed verification returned a proof")
			}
			if !errors.Is(err, ErrVerify) {
				t.Fatalf("error %v does not wrap ErrVerify", err)
			}
			wantErr(t, err, tc.want, tc.words)
		})
	}
}

// sameNameKey is another key under the same name: its ID differs in the
// hash, so it is told apart before any signature check.
func sameNameKey(t *testing.T, k *ReceiptKey) PublicKey {
	t.Helper()
	name, _, _ := strings.Cut(k.Public().ID(), "+")
	o, err := NewReceiptKey(name)
	if err != nil {
		t.Fatal(err)
	}
	return o.Public()
}
