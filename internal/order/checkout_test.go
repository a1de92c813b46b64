package order_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func eur(m int64) money.Amount { return money.New(m, "EUR") }

// A cart with two merchants' items becomes two orders sharing a checkout;
// stock taken from two warehouses becomes two lines.
func TestCheckout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 2)
		second := f.newWarehouse(t, f.merchant)
		f.setStock(t, f.merchant, f.variant, second, 5)
		m2 := it.Merchant(t, db)
		v2 := it.Variant(t, db, it.Product(t, db, m2, "EUR"), 250, "EUR")
		f.setStock(t, m2, v2, f.newWarehouse(t, m2), 10)
		buyer := it.Buyer(t, db)
		for _, add := range []struct {
			v string
			q int
		}{{f.variant, 6}, {v2, 3}} {
			if err := f.carts.Add(ctx, buyer, add.v, add.q); err != nil {
				t.Fatal(err)
			}
		}
		orders, err := f.svc.Checkout(ctx, f.request(buyer))
		if err != nil {
			t.Fatal(err)
		}
		if len(orders) != 2 || orders[0].CheckoutID != orders[1].CheckoutID || !ids.Valid("chk", orders[0].CheckoutID) {
			t.Fatalf("orders = %+v", orders)
		}
		var mine, theirs order.Order
		for _, o := range orders {
			if o.MerchantID == f.merchant {
				mine = o
			} else {
				theirs = o
			}
		}
		// 6 × 19.99 = 119.94 (5 from the fuller warehouse, 1 from the
		// other), free standard shipping above 50, 19 % per line.
		if len(mine.Lines) != 2 || mine.Lines[0].WarehouseID != second || mine.Lines[0].Quantity != 5 || mine.Lines[1].Quantity != 1 {
			t.Fatalf("lines = %+v", mine.Lines)
		}
		if mine.Subtotal != eur(11994) || mine.Shipping != eur(0) || mine.Lines[0].Tax != eur(1899) || mine.Lines[1].Tax != eur(380) ||
			mine.Tax != eur(2279) || mine.Total != eur(14273) {
			t.Errorf("totals = %v %v %v %v", mine.Subtotal, mine.Shipping, mine.Tax, mine.Total)
		}
		// 3 × 2.50 = 7.50, 4.90 shipping, tax 1.43 + 0.93.
		if theirs.Subtotal != eur(750) || theirs.Shipping != eur(490) || theirs.Tax != eur(236) || theirs.Total != eur(1476) {
			t.Errorf("second order totals = %v %v %v %v", theirs.Subtotal, theirs.Shipping, theirs.Tax, theirs.Total)
		}
		if mine.Status != order.PendingPayment || !mine.ExpiresAt.Equal(f.clock.Now().Add(30*time.Minute)) {
			t.Errorf("status %s, expires %v", mine.Status, mine.ExpiresAt)
		}
		// Stock reserved, availability updated, cart empty.
		if n := it.Int(t, db, `SELECT SUM(reserved) FROM stock WHERE variant_id = ?`, f.variant); n != 6 {
			t.Errorf("reserved %d; want 6", n)
		}
		if n := it.Int(t, db, `SELECT available FROM variants WHERE id = ?`, f.variant); n != 1 {
			t.Errorf("available %d; want 1", n)
		}
		if n := it.Int(t, db, `SELECT count(*) FROM cart_items`); n != 0 {
			t.Errorf("%d cart items left", n)
		}
		// Read back as the buyer: lines, event, address.
		got, err := f.svc.BuyerOrder(ctx, buyer, mine.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != mine.Total || len(got.Lines) != 2 || got.Lines[1] != mine.Lines[1] || got.Address == nil ||
			got.Address.Lines[0] != address.Lines[0] || len(got.Events) != 1 || got.Events[0].To != order.PendingPayment ||
			got.Events[0].Actor != buyer {
			t.Errorf("BuyerOrder = %+v", got)
		}
		if len(f.recorded) != 2 || f.recorded[0].action != "order.create" || f.recorded[0].actor != buyer {
			t.Errorf("recorded = %+v", f.recorded)
		}
		// A second checkout of the now empty cart.
		if _, err := f.svc.Checkout(ctx, f.request(buyer)); !errors.Is(err, order.ErrEmptyCart) {
			t.Errorf("second checkout: %v", err)
		}
	})
}

// Every refused checkout names its reason and leaves stock, cart and
// orders unchanged.
func TestCheckoutRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 5)
		scarce := it.Variant(t, db, f.product, 500, "EUR")
		f.setStock(t, f.merchant, scarce, f.warehouse, 1)
		mg, gbp := it.Item(t, db, 100, "GBP")
		f.setStock(t, mg, gbp, f.newWarehouse(t, mg), 5)
		my, yen := it.Item(t, db, 100, "JPY")
		f.setStock(t, my, yen, f.newWarehouse(t, my), 5)
		var ve *order.ValidationError
		var ie *order.ItemError
		var oos *order.OutOfStockError
		for _, c := range []struct {
			name  string
			cart  map[string]int
			setup func(buyer string)
			req   func(r *order.CheckoutRequest)
			check func(error) bool
		}{
			{name: "fail/out-of-stock", cart: map[string]int{f.variant: 1, scarce: 2},
				check: func(err error) bool {
					return errors.Is(err, order.ErrOutOfStock) && errors.As(err, &oos) && oos.VariantID == scarce
				}},
			{name: "fail/empty-cart", check: func(err error) bool { return errors.Is(err, order.ErrEmptyCart) }},
			{name: "fail/archived-since-added", cart: map[string]int{f.variant: 1, scarce: 1},
				setup: func(string) { it.Exec(t, db, `UPDATE variants SET status = 'archived' WHERE id = ?`, scarce) },
				check: func(err error) bool {
					return errors.Is(err, order.ErrUnavailable) && errors.As(err, &ie) && ie.VariantID == scarce
				}},
			{name: "fail/merchant-suspended-since-added", cart: map[string]int{f.variant: 1},
				setup: func(string) { it.Exec(t, db, `UPDATE merchants SET status = 'suspended' WHERE id = ?`, f.merchant) },
				check: func(err error) bool { return errors.Is(err, order.ErrUnavailable) }},
			{name: "fail/price-increased", cart: map[string]int{f.variant: 1},
				setup: func(string) { it.Exec(t, db, `UPDATE variants SET price_minor = 2099 WHERE id = ?`, f.variant) },
				check: func(err error) bool {
					return errors.Is(err, order.ErrPriceChanged) && errors.As(err, &ie) && ie.VariantID == f.variant
				}},
			{name: "fail/mixed-currency", cart: map[string]int{f.variant: 1, gbp: 1},
				check: func(err error) bool { return errors.Is(err, order.ErrMixedCurrency) }},
			{name: "fail/no-shipping-fees-in-currency", cart: map[string]int{yen: 1},
				check: func(err error) bool { return errors.Is(err, shipping.ErrUnsupportedCurrency) }},
			{name: "fail/unsupported-country", cart: map[string]int{f.variant: 1},
				req:   func(r *order.CheckoutRequest) { r.Country = "XX" },
				check: func(err error) bool { return errors.As(err, &ve) && ve.Field == "country" }},
			{name: "fail/unknown-shipping-method", cart: map[string]int{f.variant: 1},
				req:   func(r *order.CheckoutRequest) { r.ShippingMethod = "teleport" },
				check: func(err error) bool { return errors.As(err, &ve) && ve.Field == "shipping_method" }},
			{name: "fail/address-without-name", cart: map[string]int{f.variant: 1},
				req:   func(r *order.CheckoutRequest) { r.Address.Name = " " },
				check: func(err error) bool { return errors.As(err, &ve) && ve.Field == "address.name" }},
			{name: "fail/address-control-characters", cart: map[string]int{f.variant: 1},
				req:   func(r *order.CheckoutRequest) { r.Address.Lines = []string{"Heidestraße 17\r\nX-Injected: 1"} },
				check: func(err error) bool { return errors.As(err, &ve) && ve.Field == "address.lines" }},
			{name: "fail/address-bad-postcode", cart: map[string]int{f.variant: 1},
				req:   func(r *order.CheckoutRequest) { r.Address.Postcode = "<script>" },
				check: func(err error) bool { return errors.As(err, &ve) && ve.Field == "address.postcode" }},
			{name: "fail/other-account-cart", cart: map[string]int{f.variant: 1},
				req:   func(r *order.CheckoutRequest) { r.BuyerID = it.Buyer(t, db) },
				check: func(err error) bool { return errors.As(err, &ve) && ve.Field == "cart" }},
		} {
			t.Run(c.name, func(t *testing.T) {
				buyer := it.Buyer(t, db)
				for v, q := range c.cart {
					if err := f.carts.Add(ctx, buyer, v, q); err != nil {
						t.Fatal(err)
					}
				}
				if c.setup != nil {
					c.setup(buyer)
				}
				before := f.snapAll(t)
				r := f.request(buyer)
				if c.req != nil {
					c.req(&r)
				}
				orders, err := f.svc.Checkout(ctx, r)
				if !c.check(err) || orders != nil {
					t.Fatalf("Checkout = %v, %v", orders, err)
				}
				if after := f.snapAll(t); after != before {
					t.Errorf("changed: %+v -> %+v", before, after)
				}
				it.Exec(t, db, `UPDATE variants SET status = 'active', price_minor = 1999 WHERE id = ?`, f.variant)
				it.Exec(t, db, `UPDATE variants SET status = 'active' WHERE id = ?`, scarce)
				it.Exec(t, db, `UPDATE merchants SET status = 'active' WHERE id = ?`, f.merchant)
			})
		}
	})
}

type world struct{ orders, lines, events, cartItems, reserved, available int }

func (f *fixture) snapAll(t *testing.T) world {
	return world{
		orders:    it.Int(t, f.db, `SELECT count(*) FROM orders`),
		lines:     it.Int(t, f.db, `SELECT count(*) FROM order_lines`),
		events:    it.Int(t, f.db, `SELECT count(*) FROM order_events`),
		cartItems: it.Int(t, f.db, `SELECT count(*) FROM cart_items`),
		reserved:  it.Int(t, f.db, `SELECT COALESCE(SUM(reserved), 0) FROM stock`),
		available: it.Int(t, f.db, `SELECT COALESCE(SUM(available), 0) FROM variants`),
	}
}

// A lower price than the buyer saw is simply charged.
func TestCheckoutLowerPrice(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite), 5)
	buyer := it.Buyer(t, f.db)
	if err := f.carts.Add(ctx, buyer, f.variant, 1); err != nil {
		t.Fatal(err)
	}
	it.Exec(t, f.db, `UPDATE variants SET price_minor = 1500 WHERE id = ?`, f.variant)
	orders, err := f.svc.Checkout(ctx, f.request(buyer))
	if err != nil || orders[0].Subtotal != eur(1500) {
		t.Fatalf("Checkout = %+v, %v", orders, err)
	}
}

// The address is sealed: neither the street nor the name appears in the
// database file, and the ciphertext opens only for its own order.
func TestAddressNotInClear(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db, 5)
	_, o1 := f.buy(t, 1)
	_, o2 := f.buy(t, 1)
	// Moving o1's ciphertext to o2 makes o2's address unreadable, not o1's.
	it.Exec(t, db, `UPDATE orders SET address_ct = (SELECT address_ct FROM orders WHERE id = ?) WHERE id = ?`, o1.ID, o2.ID)
	if _, err := f.svc.MerchantOrder(ctx, f.merchant, o2.ID); err == nil {
		t.Error("a ciphertext moved to another order opened")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dsn, dsn + "-wal"} {
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"Heidestraße", "Heidestra", "Mustermann", "1234567", "Hinterhaus"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains %q in clear", path, secret)
			}
		}
	}
}
