package payment_test

import (
	"errors"
	"testing"
	"time"

	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
	pt "github.com/citadel-store/citadel/internal/payment/paymenttest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// Every bad payment request is refused with its own error, and nothing
// moves: no ledger line, no hold, no order change, nothing at the
// acquirer.
func TestPayRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		paidBuyer, paidOrders, _ := f.Buy(t, 1)
		buyer, orders := f.Checkout(t, 1, 1)
		cancelledBuyer, cancelled := f.Checkout(t, 1)
		if _, err := f.Orders.Cancel(ctx, cancelled[0].ID, order.Actor{ID: cancelledBuyer, Kind: order.ByBuyer}, "no"); err != nil {
			t.Fatal(err)
		}
		otherTok, _, err := f.Vault.Tokenize(ctx, paidBuyer, payment.CardInput{Number: payment.CardApprove, ExpMonth: 1,
			ExpYear: 2031, Holder: "Someone Else"})
		if err != nil {
			t.Fatal(err)
		}
		good := func() payment.PayRequest { return pt.Request(buyer, orders, payment.CardApprove, "k-refuse") }
		total := pt.Total(orders)
		for _, c := range []struct {
			name string
			edit func(r *payment.PayRequest)
			want error
		}{
			{"fail/luhn", func(r *payment.PayRequest) { r.Card.Number = "4242 4242 4242 4241" }, payment.ErrInvalidCard},
			{"fail/letters", func(r *payment.PayRequest) { r.Card.Number = "4242-4242-4242-424x" }, payment.ErrInvalidCard},
			{"fail/unsupported-scheme", func(r *payment.PayRequest) { r.Card.Number = "9999 9999 9999 9995" }, payment.ErrUnsupportedCard},
			{"fail/expired-card", func(r *payment.PayRequest) { r.Card.ExpMonth, r.Card.ExpYear = 2, 2026 }, payment.ErrExpiredCard},
			{"fail/bad-expiry", func(r *payment.PayRequest) { r.Card.ExpMonth = 13 }, payment.ErrBadExpiry},
			{"fail/bad-cvv", func(r *payment.PayRequest) { r.CVV = "12" }, payment.ErrBadCVV},
			{"fail/no-cvv", func(r *payment.PayRequest) { r.CVV = "" }, payment.ErrBadCVV},
			{"fail/no-holder", func(r *payment.PayRequest) { r.Card.Holder = "" }, payment.ErrBadHolder},
			{"fail/amount-mismatch", func(r *payment.PayRequest) { r.Amount = money.New(total.Minor-1, "EUR") }, payment.ErrAmountMismatch},
			{"fail/currency-mismatch", func(r *payment.PayRequest) { r.Amount = money.New(total.Minor, "USD") }, payment.ErrCurrencyMismatch},
			{"fail/other-buyer-checkout", func(r *payment.PayRequest) { r.CheckoutID = paidOrders[0].CheckoutID }, payment.ErrNotFound},
			{"fail/unknown-checkout", func(r *payment.PayRequest) { r.CheckoutID = "chk_aaaaaaaaaaaaaaaaaaaaaaaaaa" }, payment.ErrNotFound},
			{"fail/malformed-checkout", func(r *payment.PayRequest) { r.CheckoutID = "x' OR 1=1" }, payment.ErrBadRequest},
			{"fail/other-buyer-card", func(r *payment.PayRequest) { r.Card, r.Token = nil, otherTok }, payment.ErrNotFound},
			{"fail/card-and-token", func(r *payment.PayRequest) { r.Token = otherTok }, payment.ErrBadRequest},
			{"fail/no-key", func(r *payment.PayRequest) { r.IdempotencyKey = "" }, payment.ErrBadRequest},
			{"fail/zero-amount", func(r *payment.PayRequest) { r.Amount = money.New(0, "EUR") }, payment.ErrBadRequest},
			{"fail/short-evidence-hash", func(r *payment.PayRequest) { r.PIHash = []byte{1} }, payment.ErrBadRequest},
		} {
			before := f.Snap(t)
			r := good()
			c.edit(&r)
			p, err := f.Pay.Pay(ctx, r)
			if !errors.Is(err, c.want) {
				t.Errorf("%s: %+v, %v; want %v", c.name, p, err, c.want)
			}
			f.Unchanged(t, c.name, before)
		}
		if n := it.Int(t, db, `SELECT count(*) FROM payments WHERE buyer_id = ?`, buyer); n != 0 {
			t.Fatalf("%d payments written by refused requests", n)
		}

		// A cancelled checkout and a paid one are refused before any
		// authorisation.
		before := f.Snap(t)
		if _, err := f.Pay.Pay(ctx, pt.Request(cancelledBuyer, cancelled, payment.CardApprove, "k")); !errors.Is(err, payment.ErrNotPayable) {
			t.Errorf("fail/cancelled-checkout: %v", err)
		}
		if _, err := f.Pay.Pay(ctx, pt.Request(paidBuyer, paidOrders, payment.CardApprove, "another-key")); !errors.Is(err, payment.ErrAlreadyPaid) {
			t.Errorf("fail/replayed-confirmation (new key): %v", err)
		}
		f.Unchanged(t, "closed checkouts", before)
		f.Check(t)
	})
}

// A confirmation replayed with its key returns the same payment and
// moves nothing; with another key it is refused; the same key with
// another amount is a conflict.
func TestReplayedConfirmation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		buyer, orders := f.Checkout(t, 1)
		req := pt.Request(buyer, orders, payment.CardApprove, "k")
		p, err := f.Pay.Pay(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		before := f.Snap(t)
		for name, r := range map[string]payment.PayRequest{"fail/replayed-confirmation": req} {
			p2, err := f.Pay.Pay(ctx, r)
			if err != nil || p2.ID != p.ID || p2.Status != payment.StatusCaptured || p2.CaptureID != p.CaptureID {
				t.Errorf("%s: %+v, %v", name, p2, err)
			}
		}
		noCVV := req
		noCVV.CVV = ""
		if p2, err := f.Pay.Pay(ctx, noCVV); err != nil || p2.ID != p.ID {
			t.Errorf("replay without the security code: %+v, %v", p2, err)
		}
		other := req
		other.Amount = money.New(req.Amount.Minor+100, "EUR")
		if _, err := f.Pay.Pay(ctx, other); !errors.Is(err, payment.ErrIdempotencyConflict) {
			t.Errorf("fail/key-reused-for-another-amount: %v", err)
		}
		again := req
		again.IdempotencyKey = "k2"
		if _, err := f.Pay.Pay(ctx, again); !errors.Is(err, payment.ErrAlreadyPaid) {
			t.Errorf("fail/second-confirmation-new-key: %v", err)
		}
		f.Unchanged(t, "replays", before)
		f.Check(t)
	})
}

// Stored cards: tokenizing the same card twice keeps one token; a token
// pays for its own buyer only; an expired stored card is refused.
func TestStoredCard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		buyer, orders := f.Checkout(t, 1)
		in := payment.CardInput{Number: payment.CardApproveMC, ExpMonth: 4, ExpYear: 2026, Holder: "Erika Mustermann"}
		tok, info, err := f.Vault.Tokenize(ctx, buyer, in)
		if err != nil || info != (payment.CardInfo{Brand: payment.Mastercard, Last4: "4444", ExpMonth: 4, ExpYear: 2026}) {
			t.Fatalf("%v %+v %v", tok, info, err)
		}
		in.Number = "5555-5555-5555-4444"
		if tok2, _, _ := f.Vault.Tokenize(ctx, buyer, in); tok2 != tok {
			t.Fatal("the same card got a second token")
		}
		if tok3, _, _ := f.Vault.Tokenize(ctx, it.Buyer(t, db), in); tok3 == tok {
			t.Fatal("another buyer got the same token")
		}
		req := payment.PayRequest{BuyerID: buyer, CheckoutID: orders[0].CheckoutID, Amount: pt.Total(orders), Token: tok,
			CVV: "321", IdempotencyKey: "k"}
		p, err := f.Pay.Pay(ctx, req)
		if err != nil || p.Card.Brand != payment.Mastercard || p.Card.Last4 != "4444" {
			t.Fatalf("pay with a token: %+v, %v", p, err)
		}
		// A card stored in May 2026, expiring that month, is refused in June.
		f.Clock.Add(70 * 24 * time.Hour)
		buyer2 := it.Buyer(t, db)
		tok2, _, err := f.Vault.Tokenize(ctx, buyer2, payment.CardInput{Number: payment.CardApprove, ExpMonth: 5, ExpYear: 2026, Holder: "A B"})
		if err != nil {
			t.Fatal(err)
		}
		f.Clock.Add(30 * 24 * time.Hour)
		orders2 := f.CheckoutFor(t, buyer2, 1)
		before := f.Snap(t)
		req2 := payment.PayRequest{BuyerID: buyer2, CheckoutID: orders2[0].CheckoutID, Amount: pt.Total(orders2), Token: tok2,
			CVV: "321", IdempotencyKey: "k"}
		if _, err := f.Pay.Pay(ctx, req2); !errors.Is(err, payment.ErrExpiredCard) {
			t.Fatalf("fail/expired-stored-card: %v", err)
		}
		f.Unchanged(t, "fail/expired-stored-card", before)
		f.Check(t)
	})
}
