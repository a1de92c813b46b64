package escrow_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/escrow"
	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
	pt "github.com/citadel-store/citadel/internal/payment/paymenttest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var ctx = context.Background()

var support = order.Actor{ID: "acc_support", Kind: order.BySupport}

func eur(m int64) money.Amount { return money.New(m, "EUR") }

func balance(t testing.TB, db *store.DB, a money.Account) int64 {
	t.Helper()
	b, err := money.Balance(ctx, db, a)
	if err != nil {
		t.Fatal(err)
	}
	return b.Minor
}

// fee is the default 5 %, half away from zero.
func fee(gross int64) int64 { f, _ := eur(gross).Rate(500); return f.Minor }

// deliveredOrder is a paid single-order checkout its merchant delivered.
func deliveredOrder(t *testing.T, f *pt.Fixture) (string, order.Order, payment.Payment) {
	t.Helper()
	buyer, orders, p := f.Buy(t, 3)
	f.Deliver(t, orders[0])
	return buyer, orders[0], p
}

// Every path out of escrow, each ending with the ledger checked.
func TestEscrowPaths(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, f *pt.Fixture, buyer string, o order.Order) (refunded int64, status order.Status)
	}{
		{"confirm", func(t *testing.T, f *pt.Fixture, buyer string, o order.Order) (int64, order.Status) {
			net, err := f.Escrow.Confirm(ctx, buyer, o.ID)
			if err != nil || net.Minor != o.Total.Minor-fee(o.Total.Minor) {
				t.Fatalf("Confirm = %v, %v", net, err)
			}
			return 0, order.Completed
		}},
		{"auto-release", func(t *testing.T, f *pt.Fixture, buyer string, o order.Order) (int64, order.Status) {
			now := f.Clock.Now()
			if n, err := f.Escrow.ReleaseDue(ctx, now.Add(10*24*time.Hour-time.Second)); err != nil || n != 0 {
				t.Fatalf("released early: %d, %v", n, err)
			}
			if n, err := f.Escrow.ReleaseDue(ctx, now.Add(10*24*time.Hour)); err != nil || n != 1 {
				t.Fatalf("ReleaseDue = %d, %v", n, err)
			}
			if n, _ := f.Escrow.ReleaseDue(ctx, now.Add(20*24*time.Hour)); n != 0 {
				t.Fatalf("released twice: %d", n)
			}
			return 0, order.Completed
		}},
		{"dispute-full-refund", func(t *testing.T, f *pt.Fixture, buyer string, o order.Order) (int64, order.Status) {
			if err := f.Escrow.OpenDispute(ctx, buyer, o.ID, "arrived broken"); err != nil {
				t.Fatal(err)
			}
			out, err := f.Escrow.Resolve(ctx, support, o.ID, escrow.Resolution{Decision: escrow.RefundInFull, Note: "photos show damage"})
			if err != nil || out.Refunded != o.Total || !out.Sent || out.Released.Minor != 0 {
				t.Fatalf("Resolve = %+v, %v", out, err)
			}
			return o.Total.Minor, order.Refunded
		}},
		{"dispute-partial-refund", func(t *testing.T, f *pt.Fixture, buyer string, o order.Order) (int64, order.Status) {
			if err := f.Escrow.OpenDispute(ctx, buyer, o.ID, "one item missing"); err != nil {
				t.Fatal(err)
			}
			out, err := f.Escrow.Resolve(ctx, support, o.ID, escrow.Resolution{Decision: escrow.RefundPartly, Amount: eur(1999), Note: "one of three"})
			rest := o.Total.Minor - 1999
			if err != nil || out.Refunded != eur(1999) || out.Released.Minor != rest-fee(rest) || !out.Sent {
				t.Fatalf("Resolve = %+v, %v", out, err)
			}
			return 1999, order.Completed
		}},
		{"dispute-release", func(t *testing.T, f *pt.Fixture, buyer string, o order.Order) (int64, order.Status) {
			if err := f.Escrow.OpenDispute(ctx, buyer, o.ID, "not as described"); err != nil {
				t.Fatal(err)
			}
			out, err := f.Escrow.Resolve(ctx, support, o.ID, escrow.Resolution{Decision: escrow.ReleaseToShop, Note: "as described"})
			if err != nil || out.Released.Minor != o.Total.Minor-fee(o.Total.Minor) || out.RefundID != "" {
				t.Fatalf("Resolve = %+v, %v", out, err)
			}
			return 0, order.Completed
		}},
		{"merchant-refunds-before-shipping", func(t *testing.T, f *pt.Fixture, buyer string, o order.Order) (int64, order.Status) {
			return -1, "" // run separately below: the order is not delivered
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := pt.New(t, db)
				var buyer string
				var o order.Order
				var refunded int64
				var status order.Status
				if c.name == "merchant-refunds-before-shipping" {
					var orders []order.Order
					buyer, orders, _ = f.Buy(t, 3)
					o = orders[0]
					out, err := f.Escrow.RefundOrder(ctx, order.Actor{ID: "acc_staff", Kind: order.ByMerchant, MerchantID: o.MerchantID},
						o.ID, "out of stock after all")
					if err != nil || out.Refunded != o.Total || !out.Sent {
						t.Fatalf("RefundOrder = %+v, %v", out, err)
					}
					refunded, status = o.Total.Minor, order.Refunded
				} else {
					buyer, o, _ = deliveredOrder(t, f)
					f.Check(t)
					refunded, status = c.run(t, f, buyer, o)
				}
				if st := f.Status(t, o.ID); st != status {
					t.Fatalf("order is %s, want %s", st, status)
				}
				released := o.Total.Minor - refunded
				fees := fee(released)
				if released == 0 {
					fees = 0
				}
				if got := balance(t, db, money.MerchantPayableAccount(o.MerchantID, "EUR")); got != released-fees {
					t.Errorf("merchant payable %d, want %d", got, released-fees)
				}
				if got := balance(t, db, money.PlatformFeesAccount("EUR")); got != fees {
					t.Errorf("platform fees %d, want %d", got, fees)
				}
				if got := balance(t, db, money.EscrowAccount("EUR")); got != 0 {
					t.Errorf("escrow still holds %d", got)
				}
				if got := balance(t, db, money.BuyerFundingAccount(buyer, "EUR")); got != -(o.Total.Minor - refunded) {
					t.Errorf("buyer funding %d", got)
				}
				if got := it.Int(t, db, `SELECT COALESCE(SUM(refunded), 0) FROM sim_acquirer_auths`); int64(got) != refunded {
					t.Errorf("acquirer refunded %d, want %d", got, refunded)
				}
				f.Check(t)
			})
		})
	}
}

// Bad escrow requests are refused by name and move nothing.
func TestEscrowRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		buyer, o, _ := deliveredOrder(t, f)
		undelivered, orders, _ := f.Buy(t, 1)
		other := it.Buyer(t, db)
		merchant := order.Actor{ID: "acc_staff", Kind: order.ByMerchant, MerchantID: o.MerchantID}
		try := func(name string, want error, fn func() error) {
			t.Helper()
			before := f.Snap(t)
			if err := fn(); !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", name, err, want)
			}
			f.Unchanged(t, name, before)
		}
		try("fail/confirm-undelivered", escrow.ErrNotReleasable, func() error {
			_, err := f.Escrow.Confirm(ctx, undelivered, orders[0].ID)
			return err
		})
		try("fail/other-buyer-confirms", escrow.ErrNotFound, func() error { _, err := f.Escrow.Confirm(ctx, other, o.ID); return err })
		try("fail/other-buyer-disputes", escrow.ErrNotFound, func() error { return f.Escrow.OpenDispute(ctx, other, o.ID, "mine") })
		try("fail/resolve-undisputed", escrow.ErrNotDisputed, func() error {
			_, err := f.Escrow.Resolve(ctx, support, o.ID, escrow.Resolution{Decision: escrow.ReleaseToShop})
			return err
		})
		try("fail/dispute-without-reason", order.ErrIllegalTransition, func() error {
			err := f.Escrow.OpenDispute(ctx, buyer, o.ID, "")
			var ve *order.ValidationError
			if errors.As(err, &ve) {
				return order.ErrIllegalTransition
			}
			return err
		})
		if err := f.Escrow.OpenDispute(ctx, buyer, o.ID, "never arrived"); err != nil {
			t.Fatal(err)
		}
		f.Check(t)
		try("fail/release-during-dispute", escrow.ErrDisputed, func() error { _, err := f.Escrow.Confirm(ctx, buyer, o.ID); return err })
		try("fail/auto-release-during-dispute", nil, func() error {
			n, err := f.Escrow.ReleaseDue(ctx, f.Clock.Now().Add(30*24*time.Hour))
			if n != 0 {
				return errors.New("released a disputed order")
			}
			return err
		})
		try("fail/dispute-twice", escrow.ErrDisputed, func() error { return f.Escrow.OpenDispute(ctx, buyer, o.ID, "again") })
		try("fail/refund-over-paid", escrow.ErrRefundTooLarge, func() error {
			_, err := f.Escrow.Resolve(ctx, support, o.ID, escrow.Resolution{Decision: escrow.RefundPartly, Amount: eur(o.Total.Minor + 1)})
			return err
		})
		try("fail/refund-negative", escrow.ErrRefundTooLarge, func() error {
			_, err := f.Escrow.Resolve(ctx, support, o.ID, escrow.Resolution{Decision: escrow.RefundPartly, Amount: eur(-5)})
			return err
		})
		try("fail/refund-other-currency", escrow.ErrRefundTooLarge, func() error {
			_, err := f.Escrow.Resolve(ctx, support, o.ID, escrow.Resolution{Decision: escrow.RefundPartly, Amount: money.New(100, "USD")})
			return err
		})
		try("fail/merchant-releases-own-dispute", escrow.ErrForbidden, func() error {
			_, err := f.Escrow.Resolve(ctx, merchant, o.ID, escrow.Resolution{Decision: escrow.ReleaseToShop})
			return err
		})
		try("fail/buyer-resolves", escrow.ErrForbidden, func() error {
			_, err := f.Escrow.Resolve(ctx, order.Actor{ID: buyer, Kind: order.ByBuyer}, o.ID, escrow.Resolution{Decision: escrow.RefundInFull})
			return err
		})
		try("fail/other-merchant-concedes", escrow.ErrNotFound, func() error {
			_, err := f.Escrow.Resolve(ctx, order.Actor{ID: "x", Kind: order.ByMerchant, MerchantID: f.Merchants[1]}, o.ID,
				escrow.Resolution{Decision: escrow.RefundInFull})
			return err
		})
		try("fail/refund-order-in-dispute", escrow.ErrDisputed, func() error {
			_, err := f.Escrow.RefundOrder(ctx, support, o.ID, "x")
			return err
		})
		// The merchant may concede the whole refund of its own order.
		if out, err := f.Escrow.Resolve(ctx, merchant, o.ID, escrow.Resolution{Decision: escrow.RefundInFull, Note: "sorry"}); err != nil || !out.Sent {
			t.Fatalf("merchant concedes: %+v, %v", out, err)
		}
		try("fail/refund-twice", escrow.ErrNotDisputed, func() error {
			_, err := f.Escrow.Resolve(ctx, support, o.ID, escrow.Resolution{Decision: escrow.RefundInFull})
			return err
		})
		// Released orders: no dispute, no refund from escrow.
		f.Deliver(t, orders[0])
		if _, err := f.Escrow.Confirm(ctx, undelivered, orders[0].ID); err != nil {
			t.Fatal(err)
		}
		try("fail/dispute-after-release", escrow.ErrWindowClosed, func() error {
			return f.Escrow.OpenDispute(ctx, undelivered, orders[0].ID, "late")
		})
		try("fail/refund-after-release", escrow.ErrNotReleasable, func() error {
			_, err := f.Escrow.RefundOrder(ctx, support, orders[0].ID, "late")
			return err
		})
		try("fail/payout-over-available", escrow.ErrInsufficientFunds, func() error {
			_, err := f.Escrow.RecordPayout(ctx, "acc_support", orders[0].MerchantID, eur(1_000_000))
			return err
		})
		f.Check(t)
	})
}

// The dispute window closes the release period after delivery.
func TestDisputeWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		buyer, o, _ := deliveredOrder(t, f)
		f.Clock.Add(10 * 24 * time.Hour)
		before := f.Snap(t)
		if err := f.Escrow.OpenDispute(ctx, buyer, o.ID, "too late"); !errors.Is(err, escrow.ErrWindowClosed) {
			t.Fatalf("fail/dispute-after-window: %v", err)
		}
		f.Unchanged(t, "fail/dispute-after-window", before)
		// Before delivery a dispute is always open.
		buyer2, orders, _ := f.Buy(t, 1)
		if err := f.Escrow.OpenDispute(ctx, buyer2, orders[0].ID, "merchant silent"); err != nil {
			t.Fatal(err)
		}
		f.Check(t)
	})
}

// A refund whose answer is lost is booked as owed (the ledger still
// checks) and sent once by Reconcile.
func TestRefundLostAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		buyer, o, _ := deliveredOrder(t, f)
		if err := f.Escrow.OpenDispute(ctx, buyer, o.ID, "broken"); err != nil {
			t.Fatal(err)
		}
		f.Sim.Inject(payment.Fault{Op: "refund", AfterEffect: true})
		out, err := f.Escrow.Resolve(ctx, support, o.ID, escrow.Resolution{Decision: escrow.RefundInFull})
		if err != nil || out.Sent {
			t.Fatalf("Resolve = %+v, %v", out, err)
		}
		if got := balance(t, db, money.RefundsAccount("EUR")); got != o.Total.Minor {
			t.Fatalf("refunds account %d", got)
		}
		f.Check(t)
		if r, err := f.Pay.Reconcile(ctx); err != nil || r.Refunds != 1 {
			t.Fatalf("Reconcile = %+v, %v", r, err)
		}
		if got := balance(t, db, money.RefundsAccount("EUR")); got != 0 {
			t.Fatalf("refunds account %d after sending", got)
		}
		if got := it.Int(t, db, `SELECT SUM(refunded) FROM sim_acquirer_auths`); int64(got) != o.Total.Minor {
			t.Fatalf("acquirer refunded %d", got)
		}
		if r, _ := f.Pay.Reconcile(ctx); r.Refunds != 0 {
			t.Fatal("sent twice")
		}
		f.Check(t)
	})
}

// Balances, the payout report and payouts.
func TestBalancesAndPayouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		m := f.Merchants[0]
		buyer, o, _ := deliveredOrder(t, f)
		_, pending, _ := f.Buy(t, 1)
		bs, err := f.Escrow.Balances(ctx, m)
		if err != nil || len(bs) != 1 || bs[0].Pending.Minor != o.Total.Minor+pending[0].Total.Minor || bs[0].Available.Minor != 0 {
			t.Fatalf("Balances = %+v, %v", bs, err)
		}
		net, err := f.Escrow.Confirm(ctx, buyer, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.Clock.Add(24 * time.Hour)
		p, err := f.Escrow.RecordPayout(ctx, "acc_support", m, eur(1000))
		if err != nil || p.Reference == "" {
			t.Fatalf("RecordPayout = %+v, %v", p, err)
		}
		bs, _ = f.Escrow.Balances(ctx, m)
		if bs[0].Pending.Minor != pending[0].Total.Minor || bs[0].Available.Minor != net.Minor-1000 || bs[0].PaidOut.Minor != 1000 {
			t.Fatalf("Balances = %+v", bs)
		}
		start := f.Clock.Now().Add(-48 * time.Hour)
		r, err := f.Escrow.PayoutReport(ctx, m, "EUR", start, f.Clock.Now().Add(time.Hour))
		if err != nil || len(r.Days) != 2 || r.Opening.Minor != 0 || r.Closing.Minor != net.Minor-1000 ||
			r.Days[0].Credited != net || r.Days[1].Debited != eur(1000) || r.Days[1].Lines[0].Ref != p.Reference {
			t.Fatalf("PayoutReport = %+v, %v", r, err)
		}
		// Reporting from after the release opens with it.
		r, _ = f.Escrow.PayoutReport(ctx, m, "EUR", f.Clock.Now().Add(-time.Minute), f.Clock.Now().Add(time.Hour))
		if r.Opening != net || len(r.Days) != 1 {
			t.Fatalf("later report = %+v", r)
		}
		if bs, _ := f.Escrow.Balances(ctx, f.Merchants[1]); len(bs) != 0 {
			t.Fatalf("another merchant sees %+v", bs)
		}
		f.Check(t)
	})
}

func TestConfig(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	if _, err := escrow.New(escrow.Config{FeeBPS: 10_001}, db, nil, nil); err == nil {
		t.Error("a fee above 100 % accepted")
	}
	if _, err := escrow.New(escrow.Config{FeeBPS: -5}, db, nil, nil); err == nil {
		t.Error("a negative fee accepted")
	}
}
