package payment_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
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

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var ctx = context.Background()

// A checkout of two merchants is paid once: both orders become paid,
// escrow holds each order's total, the buyer's funding account shows the
// payment, and the ledger checks.
func TestPayBooksIntoEscrow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		buyer, orders, p := f.Buy(t, 2, 3)
		if len(orders) != 2 || len(p.OrderIDs) != 2 || p.Amount != pt.Total(orders) {
			t.Fatalf("payment %+v for %d orders", p, len(orders))
		}
		if p.Card.Brand != payment.Visa || p.Card.Last4 != "4242" || p.AuthID == "" || p.CaptureID == "" || p.Provider != "sim" {
			t.Fatalf("payment %+v", p)
		}
		for _, o := range orders {
			if st := f.Status(t, o.ID); st != order.Paid {
				t.Fatalf("order %s is %s", o.ID, st)
			}
			h, err := f.Escrow.HoldOf(ctx, o.ID)
			if err != nil || !h.Open || h.Paid != o.Total || h.PaymentID != p.ID || h.MerchantID != o.MerchantID {
				t.Fatalf("hold %+v, %v", h, err)
			}
		}
		if b, _ := money.Balance(ctx, db, money.EscrowAccount("EUR")); b != p.Amount {
			t.Fatalf("escrow holds %v, paid %v", b, p.Amount)
		}
		if b, _ := money.Balance(ctx, db, money.BuyerFundingAccount(buyer, "EUR")); b.Minor != -p.Amount.Minor {
			t.Fatalf("buyer funding %v", b)
		}
		if !slices.Contains(f.Events(), pt.Event{Actor: "system", Action: "payment.captured", Object: p.ID}) {
			t.Fatalf("no audit event: %v", f.Events())
		}
		got, err := f.Pay.Get(ctx, buyer, p.ID)
		if err != nil || got.Status != payment.StatusCaptured || got.CaptureID != p.CaptureID {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		if _, err := f.Pay.Get(ctx, it.Buyer(t, db), p.ID); !errors.Is(err, payment.ErrNotFound) {
			t.Fatalf("another buyer reads the payment: %v", err)
		}
		f.Check(t)
	})
}

// The simulated acquirer's documented cards give their documented
// answers; a decline moves nothing and leaves the checkout payable.
func TestTestCards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		for _, c := range []struct {
			card, code string
			brand      payment.Brand
		}{
			{payment.CardApproveMC, "", payment.Mastercard},
			{payment.CardApproveAmex, "", payment.Amex},
			{payment.CardDecline, "card_declined", payment.Visa},
			{payment.CardInsufficient, "insufficient_funds", payment.Visa},
		} {
			buyer, orders := f.Checkout(t, 1)
			before := f.Snap(t)
			p, err := f.Pay.Pay(ctx, pt.Request(buyer, orders, c.card, "k1"))
			if c.code == "" {
				if err != nil || p.Status != payment.StatusCaptured || p.Card.Brand != c.brand {
					t.Fatalf("%s: %+v, %v", c.card, p, err)
				}
				continue
			}
			var de *payment.DeclineError
			if !errors.As(err, &de) || de.Code != c.code || p.Status != payment.StatusDeclined {
				t.Fatalf("%s: %+v, %v", c.card, p, err)
			}
			// The decline is recorded at the acquirer (its own key) but no
			// money or order moved.
			before.Rows["sim_acquirer_idempotency"]++
			f.Unchanged(t, c.code, before)
			// The same key replays the decline; a new key and card pays.
			if _, err := f.Pay.Pay(ctx, pt.Request(buyer, orders, c.card, "k1")); !errors.As(err, &de) {
				t.Fatalf("replayed decline: %v", err)
			}
			if p, err := f.Pay.Pay(ctx, pt.Request(buyer, orders, payment.CardApprove, "k2")); err != nil || p.Status != payment.StatusCaptured {
				t.Fatalf("paying after a decline: %+v, %v", p, err)
			}
		}
		f.Check(t)
	})
}

// 3-D Secure: the payment waits for the buyer's challenge, then is
// captured; a failed challenge is a decline.
func TestChallenge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		for _, passed := range []bool{true, false} {
			buyer, orders := f.Checkout(t, 1)
			p, err := f.Pay.Pay(ctx, pt.Request(buyer, orders, payment.CardChallenge, "k"))
			if err != nil || p.Status != payment.StatusChallenge || p.ChallengeID == "" {
				t.Fatalf("pay: %+v, %v", p, err)
			}
			// Not yet authenticated: still waiting.
			if p2, err := f.Pay.CompleteChallenge(ctx, buyer, p.ID); err != nil || p2.Status != payment.StatusChallenge {
				t.Fatalf("early completion: %+v, %v", p2, err)
			}
			if _, err := f.Pay.CompleteChallenge(ctx, it.Buyer(t, db), p.ID); !errors.Is(err, payment.ErrNotFound) {
				t.Fatalf("another buyer completes: %v", err)
			}
			if err := f.Sim.CompleteChallenge(ctx, p.ChallengeID, passed); err != nil {
				t.Fatal(err)
			}
			p2, err := f.Pay.CompleteChallenge(ctx, buyer, p.ID)
			if passed && (err != nil || p2.Status != payment.StatusCaptured || f.Status(t, orders[0].ID) != order.Paid) {
				t.Fatalf("after passing: %+v, %v", p2, err)
			}
			var de *payment.DeclineError
			if !passed && (!errors.As(err, &de) || de.Code != "authentication_failed" || f.Status(t, orders[0].ID) != order.PendingPayment) {
				t.Fatalf("after failing: %+v, %v", p2, err)
			}
			// Replaying the completion moves nothing.
			before := f.Snap(t)
			f.Pay.CompleteChallenge(ctx, buyer, p.ID)
			f.Unchanged(t, "replayed completion", before)
		}
		f.Check(t)
	})
}

// The network-error card is recorded by the acquirer and its answer lost:
// the payment waits, and a retry with the same key finds the one
// authorisation and completes — one charge.
func TestNetworkErrorCard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		buyer, orders := f.Checkout(t, 1)
		req := pt.Request(buyer, orders, payment.CardNetworkError, "k")
		p, err := f.Pay.Pay(ctx, req)
		if !errors.Is(err, payment.ErrPending) || p.Status != payment.StatusAuthorising {
			t.Fatalf("first try: %+v, %v", p, err)
		}
		if f.Status(t, orders[0].ID) != order.PendingPayment {
			t.Fatal("order paid before capture")
		}
		p2, err := f.Pay.Pay(ctx, req)
		if err != nil || p2.ID != p.ID || p2.Status != payment.StatusCaptured {
			t.Fatalf("retry: %+v, %v", p2, err)
		}
		if n := it.Int(t, db, `SELECT count(*) FROM sim_acquirer_auths`); n != 1 {
			t.Fatalf("%d authorisations at the acquirer", n)
		}
		if n := it.Int(t, db, `SELECT SUM(captured) FROM sim_acquirer_auths`); int64(n) != p.Amount.Minor {
			t.Fatalf("captured %d of %d", n, p.Amount.Minor)
		}
		f.Check(t)
	})
}

// Lost answers at every step: the payment stays where it was, and a
// retry with the same key or Reconcile settles it without a second
// charge.
func TestInjectedFailures(t *testing.T) {
	for _, c := range []struct {
		name    string
		fault   payment.Fault
		stuck   payment.Status
		settle  string // retry | reconcile
		outcome payment.Status
	}{
		{"auth-lost-before", payment.Fault{Op: "authorize"}, payment.StatusAuthorising, "retry", payment.StatusCaptured},
		{"auth-lost-after", payment.Fault{Op: "authorize", AfterEffect: true}, payment.StatusAuthorising, "reconcile", payment.StatusCaptured},
		{"auth-never-recorded", payment.Fault{Op: "authorize"}, payment.StatusAuthorising, "reconcile", payment.StatusFailed},
		{"capture-lost-before", payment.Fault{Op: "capture"}, payment.StatusCapturing, "reconcile", payment.StatusCaptured},
		{"capture-lost-after", payment.Fault{Op: "capture", AfterEffect: true}, payment.StatusCapturing, "retry", payment.StatusCaptured},
		{"capture-lost-after-reconciled", payment.Fault{Op: "capture", AfterEffect: true}, payment.StatusCapturing, "reconcile", payment.StatusCaptured},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := pt.New(t, db)
				buyer, orders := f.Checkout(t, 1)
				req := pt.Request(buyer, orders, payment.CardApprove, "k")
				f.Sim.Inject(c.fault)
				p, err := f.Pay.Pay(ctx, req)
				if !errors.Is(err, payment.ErrPending) || p.Status != c.stuck {
					t.Fatalf("with the fault: %+v, %v", p, err)
				}
				f.Check(t)
				if c.settle == "retry" {
					p, err = f.Pay.Pay(ctx, req)
				} else {
					if _, err := f.Pay.Reconcile(ctx); err != nil {
						t.Fatal(err)
					}
					p, err = f.Pay.Get(ctx, buyer, p.ID)
				}
				if err != nil || p.Status != c.outcome {
					t.Fatalf("settled: %+v, %v", p, err)
				}
				captured := it.Int(t, db, `SELECT COALESCE(SUM(captured), 0) FROM sim_acquirer_auths`)
				want := 0
				if c.outcome == payment.StatusCaptured {
					want = int(p.Amount.Minor)
				}
				if captured != want {
					t.Fatalf("acquirer captured %d, want %d", captured, want)
				}
				// Reconciling again and replaying change nothing.
				before := f.Snap(t)
				f.Pay.Reconcile(ctx)
				f.Pay.Pay(ctx, req)
				f.Unchanged(t, "second settlement", before)
				f.Check(t)
			})
		})
	}
}

// Concurrent confirmations of one checkout, with the same key or with
// different keys, charge once.
func TestConcurrentConfirmations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		buyer, orders := f.Checkout(t, 1, 1)
		var wg sync.WaitGroup
		var mu sync.Mutex
		captured := map[string]bool{}
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := "same"
				if i%2 == 1 {
					key = "other-" + string(rune('a'+i))
				}
				p, err := f.Pay.Pay(ctx, pt.Request(buyer, orders, payment.CardApprove, key))
				if err == nil {
					mu.Lock()
					captured[p.ID] = true
					mu.Unlock()
				} else if !errors.Is(err, payment.ErrAlreadyPaid) && !errors.Is(err, payment.ErrInProgress) &&
					!errors.Is(err, payment.ErrPending) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if len(captured) != 1 {
			t.Fatalf("%d payments captured", len(captured))
		}
		if n := it.Int(t, db, `SELECT COALESCE(SUM(captured), 0) FROM sim_acquirer_auths`); int64(n) != pt.Total(orders).Minor {
			t.Fatalf("acquirer captured %d", n)
		}
		if n := it.Int(t, db, `SELECT count(*) FROM escrow_holds`); n != 2 {
			t.Fatalf("%d holds", n)
		}
		f.Check(t)
	})
}

// The order goes away between authorisation and capture, or between
// capture and booking: the authorisation is voided, or the capture
// refunded in full; the order is never paid and the ledger checks.
func TestCaptureOnCancelledOrder(t *testing.T) {
	for _, c := range []struct {
		name   string
		when   string // after-auth | before-capture
		how    string // cancel | expire
		status payment.Status
	}{
		{"fail/capture-cancelled-order", "after-auth", "cancel", payment.StatusVoided},
		{"fail/capture-expired-order", "after-auth", "expire", payment.StatusVoided},
		{"fail/captured-then-cancelled", "before-capture", "cancel", payment.StatusReversed},
		{"fail/captured-then-expired", "before-capture", "expire", payment.StatusReversed},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := pt.New(t, db)
				buyer, orders := f.Checkout(t, 1)
				hook := func() {
					if c.how == "expire" {
						f.Clock.Add(31 * time.Minute)
						return
					}
					if _, err := f.Orders.Cancel(ctx, orders[0].ID, order.Actor{ID: buyer, Kind: order.ByBuyer}, "changed my mind"); err != nil {
						t.Error(err)
					}
				}
				if c.when == "after-auth" {
					f.Provider.SetAfterAuth(hook)
				} else {
					f.Provider.SetBeforeCapture(hook)
				}
				p, err := f.Pay.Pay(ctx, pt.Request(buyer, orders, payment.CardApprove, "k"))
				if !errors.Is(err, payment.ErrNotPayable) || p.Status != c.status {
					t.Fatalf("pay: %+v, %v", p, err)
				}
				if st := f.Status(t, orders[0].ID); st == order.Paid {
					t.Fatal("order paid")
				}
				var status string
				var captured, refunded int64
				db.QueryRow(ctx, `SELECT status, captured, refunded FROM sim_acquirer_auths`).Scan(&status, &captured, &refunded)
				if c.status == payment.StatusVoided && (status != "voided" || captured != 0) {
					t.Fatalf("acquirer: %s, captured %d", status, captured)
				}
				if c.status == payment.StatusReversed && (captured != p.Amount.Minor || refunded != captured) {
					t.Fatalf("acquirer: captured %d, refunded %d", captured, refunded)
				}
				if b, _ := money.Balance(ctx, db, money.BuyerFundingAccount(buyer, "EUR")); b.Minor != 0 {
					t.Fatalf("buyer funding %v", b)
				}
				if n := it.Int(t, db, `SELECT count(*) FROM escrow_holds`); n != 0 {
					t.Fatalf("%d holds", n)
				}
				f.Check(t)
			})
		})
	}
}
