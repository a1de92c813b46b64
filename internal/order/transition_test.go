package order_test

import (
	"errors"
	"testing"
	"time"

	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// paths drive a new order to each status through legal transitions only.
var paths = map[order.Status][]order.Status{
	order.PendingPayment: {},
	order.Paid:           {order.Paid},
	order.Accepted:       {order.Paid, order.Accepted},
	order.Shipped:        {order.Paid, order.Accepted, order.Shipped},
	order.Delivered:      {order.Paid, order.Accepted, order.Shipped, order.Delivered},
	order.Completed:      {order.Paid, order.Accepted, order.Shipped, order.Delivered, order.Completed},
	order.Cancelled:      {order.Cancelled},
	order.Disputed:       {order.Paid, order.Disputed},
	order.Refunded:       {order.Paid, order.Refunded},
}

// orderIn checks out one unit and moves the order to status.
func (f *fixture) orderIn(t *testing.T, status order.Status) (buyer string, o order.Order) {
	t.Helper()
	buyer, o = f.buy(t, 1)
	for _, to := range paths[status] {
		var err error
		if to == order.Paid {
			err = f.db.Tx(ctx, func(tx *store.Tx) error { _, err := f.svc.MarkPaid(ctx, tx, o.ID, "pay_1"); return err })
		} else {
			by := order.BySupport
			for _, k := range []order.ActorKind{order.ByMerchant, order.ByBuyer, order.BySystem, order.BySupport} {
				if order.CanTransition(o.Status, to, k) {
					by = k
					break
				}
			}
			o, err = f.svc.Transition(ctx, o.ID, actors(buyer, f.merchant)[by], change(to))
		}
		if err != nil {
			t.Fatalf("to %s: %v", to, err)
		}
		o.Status = to
	}
	return buyer, o
}

// Every change the table does not list is refused, by every kind of
// actor, and changes nothing: not the order, its history, or the stock.
func TestIllegalTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 100)
		refused := 0
		for _, from := range order.Statuses {
			buyer, o := f.orderIn(t, from)
			who := actors(buyer, f.merchant)
			for _, to := range order.Statuses {
				for kind, a := range who {
					if order.CanTransition(from, to, kind) {
						continue
					}
					before := f.snap(t, o.ID)
					_, err := f.svc.Transition(ctx, o.ID, a, change(to))
					if !errors.Is(err, order.ErrIllegalTransition) {
						t.Errorf("%s -> %s by %s: %v; want ErrIllegalTransition", from, to, kind, err)
					}
					if after := f.snap(t, o.ID); after != before {
						t.Errorf("%s -> %s by %s changed %+v to %+v", from, to, kind, before, after)
					}
					refused++
				}
			}
		}
		if refused < 250 {
			t.Errorf("only %d refusals tried", refused)
		}
	})
}

// Every change the table lists works for every kind it names, with its
// stock effect: reservations are released when an order ends unshipped
// and converted when it ships.
func TestLegalTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 1000)
		for _, r := range order.Rules() {
			for _, kind := range r.By {
				if r.From == order.PendingPayment && r.To == order.Paid {
					continue // MarkPaid, tested below
				}
				buyer, o := f.orderIn(t, r.From)
				before := f.snap(t, o.ID)
				got, err := f.svc.Transition(ctx, o.ID, actors(buyer, f.merchant)[kind], change(r.To))
				if err != nil || got.Status != r.To {
					t.Errorf("%s -> %s by %s: %v", r.From, r.To, kind, err)
					continue
				}
				after := f.snap(t, o.ID)
				if after.events != before.events+1 || after.status != string(r.To) {
					t.Errorf("%s -> %s: %+v", r.From, r.To, after)
				}
				wantReserved, wantOnHand := before.reserved, before.onHand
				switch {
				case r.To == order.Shipped:
					wantReserved, wantOnHand = before.reserved-1, before.onHand-1
				case before.stockState == "reserved" && (r.To == order.Cancelled || r.To == order.Refunded || r.To == order.Completed):
					wantReserved = before.reserved - 1
				}
				if after.reserved != wantReserved || after.onHand != wantOnHand || after.available != after.onHand-after.reserved {
					t.Errorf("%s -> %s by %s: stock %+v -> %+v", r.From, r.To, kind, before, after)
				}
			}
		}
		// Every order's stock adds up: reserved rows match reserved orders.
		reservedOrders := it.Int(t, db, `SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.stock_state = 'reserved'`)
		shipped := it.Int(t, db, `SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.stock_state = 'shipped'`)
		onHand, reserved, _ := f.stock(t)
		if reserved != reservedOrders || onHand != 1000-shipped {
			t.Errorf("stock reserved %d on_hand %d; orders hold %d reserved, %d shipped", reserved, onHand, reservedOrders, shipped)
		}
	})
}

func TestShipAndCancelRequirements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 10)
		buyer, o := f.orderIn(t, order.Accepted)
		merchant := actors(buyer, f.merchant)[order.ByMerchant]
		var ve *order.ValidationError
		for _, c := range []struct{ name, carrier, tracking, field string }{
			{"fail/ship-without-carrier", "", "JJD0099887766", "carrier"},
			{"fail/ship-without-tracking", "DHL", "", "tracking"},
			{"fail/tracking-too-long", "DHL", "JJD00998877665544332211009988776655443322", "tracking"},
			{"fail/tracking-markup", "DHL", "<img src=x>", "tracking"},
			{"fail/tracking-control-chars", "DHL", "JJD00\r\n99", "tracking"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := f.snap(t, o.ID)
				if _, err := f.svc.Ship(ctx, o.ID, merchant, c.carrier, c.tracking); !errors.As(err, &ve) || ve.Field != c.field {
					t.Fatalf("Ship = %v", err)
				}
				if after := f.snap(t, o.ID); after != before {
					t.Errorf("changed %+v -> %+v", before, after)
				}
			})
		}
		t.Run("fail/cancel-without-reason", func(t *testing.T) {
			before := f.snap(t, o.ID)
			if _, err := f.svc.Cancel(ctx, o.ID, merchant, "  "); !errors.As(err, &ve) || ve.Field != "note" {
				t.Fatalf("Cancel = %v", err)
			}
			if after := f.snap(t, o.ID); after != before {
				t.Errorf("changed %+v -> %+v", before, after)
			}
		})
		shipped, err := f.svc.Ship(ctx, o.ID, merchant, "DHL", "JJD0099887766")
		if err != nil || shipped.Carrier != "DHL" || shipped.Tracking != "JJD0099887766" {
			t.Fatalf("Ship = %+v, %v", shipped, err)
		}
		if onHand, reserved, available := f.stock(t); onHand != 9 || reserved != 0 || available != 9 {
			t.Errorf("after ship: %d %d %d", onHand, reserved, available)
		}
		got, err := f.svc.MerchantOrder(ctx, f.merchant, o.ID)
		if err != nil || got.Tracking != "JJD0099887766" || len(got.Events) != 4 || got.Events[3].ActorKind != order.ByMerchant ||
			got.Events[3].From != order.Accepted {
			t.Errorf("MerchantOrder = %+v, %v", got, err)
		}
	})
}

func TestCancelReleases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 10)
		buyer, pending := f.buy(t, 3)
		_, paid := f.orderIn(t, order.Paid)
		if _, reserved, available := f.stock(t); reserved != 4 || available != 6 {
			t.Fatalf("reserved %d available %d", reserved, available)
		}
		if _, err := f.svc.Cancel(ctx, pending.ID, actors(buyer, f.merchant)[order.ByBuyer], "changed my mind"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cancel(ctx, paid.ID, actors("", f.merchant)[order.ByMerchant], "cannot deliver"); err != nil {
			t.Fatal(err)
		}
		if onHand, reserved, available := f.stock(t); onHand != 10 || reserved != 0 || available != 10 {
			t.Errorf("after cancel: %d %d %d", onHand, reserved, available)
		}
		got, err := f.svc.BuyerOrder(ctx, buyer, pending.ID)
		if err != nil || got.Status != order.Cancelled || got.CancelReason != "changed my mind" || !got.ExpiresAt.IsZero() {
			t.Errorf("BuyerOrder = %+v, %v", got, err)
		}
	})
}

// Unpaid orders past their window are cancelled and their stock
// released; payment after the window is refused.
func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 10)
		_, early := f.buy(t, 2)
		f.clock.Add(10 * time.Minute)
		_, late := f.buy(t, 3)
		_, paid := f.buy(t, 1)
		if err := db.Tx(ctx, func(tx *store.Tx) error { _, err := f.svc.MarkPaid(ctx, tx, paid.ID, "pay_1"); return err }); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(25 * time.Minute) // early is 35 minutes old, late 25
		t.Run("fail/pay-after-window", func(t *testing.T) {
			before := f.snap(t, early.ID)
			err := db.Tx(ctx, func(tx *store.Tx) error { _, err := f.svc.MarkPaid(ctx, tx, early.ID, "pay_2"); return err })
			if !errors.Is(err, order.ErrExpired) {
				t.Fatalf("MarkPaid = %v", err)
			}
			if after := f.snap(t, early.ID); after != before {
				t.Errorf("changed %+v -> %+v", before, after)
			}
		})
		if n, err := f.svc.ExpireUnpaid(ctx, f.clock.Now()); err != nil || n != 1 {
			t.Fatalf("ExpireUnpaid = %d, %v", n, err)
		}
		if _, reserved, _ := f.stock(t); reserved != 3+1 {
			t.Fatalf("reserved %d; want 4 (late and paid)", reserved)
		}
		got, err := f.svc.Get(ctx, db, early.ID)
		if err != nil || got.Status != order.Cancelled || got.Events[1].ActorKind != order.BySystem ||
			got.Events[1].Note != "payment window expired" {
			t.Fatalf("expired order = %+v, %v", got, err)
		}
		if got, _ := f.svc.Get(ctx, db, late.ID); got.Status != order.PendingPayment {
			t.Errorf("late order %s", got.Status)
		}
		if n, err := f.svc.ExpireUnpaid(ctx, f.clock.Now().Add(10*time.Minute)); err != nil || n != 1 {
			t.Fatalf("second ExpireUnpaid = %d, %v", n, err)
		}
		if onHand, reserved, available := f.stock(t); onHand != 10 || reserved != 1 || available != 9 {
			t.Errorf("after expiry: %d %d %d", onHand, reserved, available)
		}
		t.Run("fail/pay-cancelled", func(t *testing.T) {
			err := db.Tx(ctx, func(tx *store.Tx) error { _, err := f.svc.MarkPaid(ctx, tx, late.ID, "pay_3"); return err })
			if !errors.Is(err, order.ErrIllegalTransition) {
				t.Fatalf("MarkPaid = %v", err)
			}
		})
		t.Run("fail/pay-twice", func(t *testing.T) {
			err := db.Tx(ctx, func(tx *store.Tx) error { _, err := f.svc.MarkPaid(ctx, tx, paid.ID, "pay_1"); return err })
			if !errors.Is(err, order.ErrIllegalTransition) {
				t.Fatalf("MarkPaid = %v", err)
			}
		})
	})
}
