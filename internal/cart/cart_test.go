package cart_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/inventory"
	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var ctx = context.Background()

// lines returns the cart's variant -> quantity, read from the database.
func lines(t *testing.T, db *store.DB, owner string) map[string]int {
	t.Helper()
	rows, err := db.Query(ctx, `SELECT ci.variant_id, ci.quantity FROM cart_items ci JOIN carts c ON c.id = ci.cart_id WHERE c.owner_id = ?`, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var v string
		var q int
		if err := rows.Scan(&v, &q); err != nil {
			t.Fatal(err)
		}
		out[v] = q
	}
	return out
}

func TestAddValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		carts := cart.New(db, nil)
		_, good := it.Item(t, db, 1000, "EUR")
		archived := it.Variant(t, db, it.Product(t, db, it.Merchant(t, db), "EUR"), 500, "EUR")
		it.Exec(t, db, `UPDATE variants SET status = 'archived' WHERE id = ?`, archived)
		archivedProduct := it.Variant(t, db, it.Product(t, db, it.Merchant(t, db), "EUR"), 500, "EUR")
		it.Exec(t, db, `UPDATE products SET status = 'archived' WHERE id = (SELECT product_id FROM variants WHERE id = ?)`, archivedProduct)
		suspended, ofSuspended := it.Item(t, db, 500, "EUR")
		it.Exec(t, db, `UPDATE merchants SET status = 'suspended' WHERE id = ?`, suspended)
		owner := it.Buyer(t, db)
		if err := carts.Add(ctx, owner, good, 2); err != nil {
			t.Fatal(err)
		}
		var ve *cart.ValidationError
		for _, c := range []struct {
			name    string
			owner   string
			variant string
			qty     int
			check   func(error) bool
		}{
			{"fail/zero-quantity", owner, good, 0, func(err error) bool { return errors.As(err, &ve) && ve.Field == "quantity" }},
			{"fail/negative-quantity", owner, good, -1, func(err error) bool { return errors.As(err, &ve) && ve.Field == "quantity" }},
			{"fail/over-10000", owner, good, 10_001, func(err error) bool { return errors.As(err, &ve) && ve.Field == "quantity" }},
			{"fail/archived-variant", owner, archived, 1, func(err error) bool { return errors.Is(err, cart.ErrUnavailable) }},
			{"fail/archived-product", owner, archivedProduct, 1, func(err error) bool { return errors.Is(err, cart.ErrUnavailable) }},
			{"fail/suspended-merchant", owner, ofSuspended, 1, func(err error) bool { return errors.Is(err, cart.ErrUnavailable) }},
			{"fail/unknown-variant", owner, "var_unknown", 1, func(err error) bool { return errors.Is(err, cart.ErrNotFound) }},
			{"fail/bad-owner", "someone", good, 1, func(err error) bool { return errors.Is(err, cart.ErrBadOwner) }},
		} {
			t.Run(c.name, func(t *testing.T) {
				if err := carts.Add(ctx, c.owner, c.variant, c.qty); !c.check(err) {
					t.Fatalf("Add = %v", err)
				}
				if got := lines(t, db, owner); len(got) != 1 || got[good] != 2 {
					t.Errorf("cart changed: %v", got)
				}
			})
		}
		for _, c := range []struct {
			name string
			qty  int
		}{{"fail/set-negative-quantity", -1}, {"fail/set-over-10000", 10_001}} {
			t.Run(c.name, func(t *testing.T) {
				if err := carts.SetQuantity(ctx, owner, good, c.qty); !errors.As(err, &ve) {
					t.Fatalf("SetQuantity = %v", err)
				}
				if got := lines(t, db, owner); got[good] != 2 {
					t.Errorf("cart changed: %v", got)
				}
			})
		}
		t.Run("fail/set-quantity-not-in-cart", func(t *testing.T) {
			if err := carts.SetQuantity(ctx, owner, archived, 3); !errors.Is(err, cart.ErrNotFound) {
				t.Fatalf("SetQuantity = %v", err)
			}
		})
	})
}

func TestEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		carts := cart.New(db, nil)
		_, a := it.Item(t, db, 1000, "EUR")
		_, b := it.Item(t, db, 250, "EUR")
		owner := it.Buyer(t, db)
		for _, step := range []struct {
			do   func() error
			want map[string]int
		}{
			{func() error { return carts.Add(ctx, owner, a, 3) }, map[string]int{a: 3}},
			{func() error { return carts.Add(ctx, owner, a, 2) }, map[string]int{a: 5}},
			{func() error { return carts.Add(ctx, owner, a, 10_000) }, map[string]int{a: 10_000}}, // capped
			{func() error { return carts.Add(ctx, owner, b, 1) }, map[string]int{a: 10_000, b: 1}},
			{func() error { return carts.SetQuantity(ctx, owner, a, 7) }, map[string]int{a: 7, b: 1}},
			{func() error { return carts.SetQuantity(ctx, owner, b, 0) }, map[string]int{a: 7}},
			{func() error { return carts.Remove(ctx, owner, a) }, map[string]int{}},
			{func() error { return carts.Remove(ctx, owner, a) }, map[string]int{}}, // again: no error
		} {
			if err := step.do(); err != nil {
				t.Fatal(err)
			}
			got := lines(t, db, owner)
			if len(got) != len(step.want) {
				t.Fatalf("cart = %v; want %v", got, step.want)
			}
			for v, q := range step.want {
				if got[v] != q {
					t.Fatalf("cart = %v; want %v", got, step.want)
				}
			}
		}
	})
}

func TestMaxLines(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	carts := cart.New(db, nil)
	m := it.Merchant(t, db)
	p := it.Product(t, db, m, "EUR")
	owner := it.Buyer(t, db)
	for range cart.MaxLines {
		if err := carts.Add(ctx, owner, it.Variant(t, db, p, 100, "EUR"), 1); err != nil {
			t.Fatal(err)
		}
	}
	extra := it.Variant(t, db, p, 100, "EUR")
	if err := carts.Add(ctx, owner, extra, 1); !errors.Is(err, cart.ErrCartFull) {
		t.Fatalf("line %d: %v", cart.MaxLines+1, err)
	}
	if n := len(lines(t, db, owner)); n != cart.MaxLines {
		t.Errorf("%d lines", n)
	}
}

func TestGet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		carts := cart.New(db, nil)
		inv := inventory.New(db, nil)
		m1 := it.Merchant(t, db)
		p1 := it.Product(t, db, m1, "EUR")
		a := it.Variant(t, db, p1, 1999, "EUR")
		b := it.Variant(t, db, p1, 500, "EUR")
		m2, c := it.Item(t, db, 300, "EUR")
		wh, err := inv.CreateWarehouse(ctx, m1, "Main", "DE")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inv.SetStock(ctx, m1, a, wh.ID, 1); err != nil {
			t.Fatal(err)
		}
		owner := ids.New("gst")
		for _, add := range []struct {
			v string
			q int
		}{{a, 3}, {b, 2}, {c, 1}} {
			if err := carts.Add(ctx, owner, add.v, add.q); err != nil {
				t.Fatal(err)
			}
		}
		it.Exec(t, db, `UPDATE variants SET status = 'archived' WHERE id = ?`, b)
		it.Exec(t, db, `UPDATE variants SET price_minor = 350 WHERE id = ?`, c)

		v, err := carts.Get(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Lines) != 3 || v.Lines[0].LineTotal != money.New(5997, "EUR") || v.Lines[0].Available != 1 {
			t.Fatalf("lines = %+v", v.Lines)
		}
		want := []cart.Subtotal{{m1, v.Lines[0].MerchantName, money.New(5997, "EUR")}, {m2, v.Lines[2].MerchantName, money.New(350, "EUR")}}
		if len(v.Subtotals) != 2 || v.Subtotals[0] != want[0] || v.Subtotals[1] != want[1] {
			t.Errorf("subtotals = %+v; want %+v", v.Subtotals, want)
		}
		wantW := []cart.Warning{{cart.OverStock, a}, {cart.Unavailable, b}, {cart.OverStock, c}, {cart.PriceChanged, c}}
		if len(v.Warnings) != len(wantW) {
			t.Fatalf("warnings = %+v; want %+v", v.Warnings, wantW)
		}
		for i := range wantW {
			if v.Warnings[i] != wantW[i] {
				t.Errorf("warning %d = %+v; want %+v", i, v.Warnings[i], wantW[i])
			}
		}
		if err := carts.AcceptPrices(ctx, owner); err != nil {
			t.Fatal(err)
		}
		if v, _ := carts.Get(ctx, owner); v.Lines[2].SeenPrice != money.New(350, "EUR") {
			t.Errorf("after AcceptPrices, seen = %v", v.Lines[2].SeenPrice)
		}

		empty, err := carts.Get(ctx, it.Buyer(t, db))
		if err != nil || len(empty.Lines) != 0 {
			t.Errorf("empty cart = %+v, %v", empty, err)
		}
	})
}

func TestMixedCurrencyWarning(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	carts := cart.New(db, nil)
	_, eur := it.Item(t, db, 100, "EUR")
	_, gbp := it.Item(t, db, 100, "GBP")
	owner := it.Buyer(t, db)
	for _, v := range []string{eur, gbp} {
		if err := carts.Add(ctx, owner, v, 1); err != nil {
			t.Fatal(err)
		}
	}
	v, err := carts.Get(ctx, owner)
	// Nothing is in stock either: two over-stock warnings, then the cart's.
	if err != nil || len(v.Subtotals) != 2 || len(v.Warnings) != 3 || v.Warnings[2] != (cart.Warning{Kind: cart.MixedCurrency}) {
		t.Fatalf("view = %+v, %v", v, err)
	}
}

func TestMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		carts := cart.New(db, nil)
		_, a := it.Item(t, db, 1000, "EUR")
		_, b := it.Item(t, db, 500, "EUR")
		_, c := it.Item(t, db, 200, "EUR")
		guest, account := ids.New("gst"), it.Buyer(t, db)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(carts.Add(ctx, guest, a, 9_000))
		must(carts.Add(ctx, guest, b, 2))
		must(carts.Add(ctx, account, a, 5_000))
		must(carts.Add(ctx, account, c, 1))
		// The guest saw a lower price for a than the account did.
		it.Exec(t, db, `UPDATE cart_items SET seen_price = 900 WHERE variant_id = ? AND cart_id = (SELECT id FROM carts WHERE owner_id = ?)`, a, guest)

		t.Run("fail/merge-into-guest", func(t *testing.T) {
			if _, err := carts.Merge(ctx, guest, ids.New("gst")); !errors.Is(err, cart.ErrBadOwner) {
				t.Fatalf("Merge = %v", err)
			}
			if _, err := carts.Merge(ctx, account, guest); !errors.Is(err, cart.ErrBadOwner) {
				t.Fatalf("Merge from account = %v", err)
			}
		})

		dropped, err := carts.Merge(ctx, guest, account)
		if err != nil || dropped != 0 {
			t.Fatalf("Merge = %d, %v", dropped, err)
		}
		got := lines(t, db, account)
		if len(got) != 3 || got[a] != cart.MaxQuantity || got[b] != 2 || got[c] != 1 {
			t.Errorf("merged cart = %v", got)
		}
		if n := it.Int(t, db, `SELECT count(*) FROM carts WHERE owner_id = ?`, guest); n != 0 {
			t.Errorf("guest cart kept")
		}
		if n := it.Int(t, db, `SELECT seen_price FROM cart_items WHERE variant_id = ? AND cart_id = (SELECT id FROM carts WHERE owner_id = ?)`, a, account); n != 900 {
			t.Errorf("seen price = %d; want the lower 900", n)
		}
		// Merging a guest without a cart changes nothing.
		if dropped, err := carts.Merge(ctx, ids.New("gst"), account); err != nil || dropped != 0 {
			t.Errorf("empty merge = %d, %v", dropped, err)
		}
		if len(lines(t, db, account)) != 3 {
			t.Errorf("empty merge changed the cart")
		}
	})
}

func TestMergeDropsBeyondMaxLines(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	carts := cart.New(db, nil)
	p := it.Product(t, db, it.Merchant(t, db), "EUR")
	guest, account := ids.New("gst"), it.Buyer(t, db)
	for i := range cart.MaxLines + 5 {
		owner := account
		if i >= cart.MaxLines-3 {
			owner = guest
		}
		if err := carts.Add(ctx, owner, it.Variant(t, db, p, 100, "EUR"), 1); err != nil {
			t.Fatal(err)
		}
	}
	dropped, err := carts.Merge(ctx, guest, account)
	if err != nil || dropped != 5 {
		t.Fatalf("Merge = %d, %v; want 5 dropped", dropped, err)
	}
	if n := len(lines(t, db, account)); n != cart.MaxLines {
		t.Errorf("%d lines", n)
	}
}
