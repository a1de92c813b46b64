package order_test

import (
	"errors"
	"sync"
	"testing"

	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// 200 buyers race for 10 units, one each: exactly 10 orders, every other
// checkout is out of stock (and nothing else), and the stock ends fully
// reserved, never oversold.
func TestConcurrentCheckouts(t *testing.T) {
	const buyers, units = 200, 10
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, units)
		reqs := make([]order.CheckoutRequest, buyers)
		for i := range reqs {
			b := it.Buyer(t, db)
			if err := f.carts.Add(ctx, b, f.variant, 1); err != nil {
				t.Fatal(err)
			}
			reqs[i] = f.request(b)
		}
		start := make(chan struct{})
		errs := make([]error, buyers)
		var wg sync.WaitGroup
		for i := range reqs {
			wg.Go(func() {
				<-start
				_, errs[i] = f.svc.Checkout(ctx, reqs[i])
			})
		}
		close(start)
		wg.Wait()
		ok, oos := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, order.ErrOutOfStock):
				oos++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != units || oos != buyers-units {
			t.Errorf("%d orders, %d out of stock; want %d and %d", ok, oos, units, buyers-units)
		}
		onHand, reserved, available := f.stock(t)
		if onHand != units || reserved != units || available != 0 {
			t.Errorf("stock on_hand %d reserved %d available %d; want %d %d 0", onHand, reserved, available, units, units)
		}
		if n := it.Int(t, db, `SELECT count(*) FROM orders`); n != units {
			t.Errorf("%d orders in the database", n)
		}
		if n := it.Int(t, db, `SELECT in_stock FROM products WHERE id = ?`, f.product); n != 0 {
			t.Errorf("in_stock = %d", n)
		}
		if n := it.Int(t, db, `SELECT count(*) FROM cart_items`); n != buyers-units {
			t.Errorf("%d carts still full; want %d", n, buyers-units)
		}
	})
}
