package inventory_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/citadel-store/citadel/internal/inventory"
	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var ctx = context.Background()

type fixture struct {
	db                   *store.DB
	inv                  *inventory.Service
	merchant, variant    string
	product              string
	whA, whB             string
	otherMerchant, other string // another merchant and its warehouse
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, inv: inventory.New(db, nil)}
	f.merchant = it.Merchant(t, db)
	f.product = it.Product(t, db, f.merchant, "EUR")
	f.variant = it.Variant(t, db, f.product, 1000, "EUR")
	f.whA = f.warehouse(t, f.merchant, "Berlin")
	f.whB = f.warehouse(t, f.merchant, "Lyon")
	f.otherMerchant = it.Merchant(t, db)
	f.other = f.warehouse(t, f.otherMerchant, "Elsewhere")
	return f
}

func (f *fixture) warehouse(t *testing.T, merchant, name string) string {
	t.Helper()
	w, err := f.inv.CreateWarehouse(ctx, merchant, name, "DE")
	if err != nil {
		t.Fatal(err)
	}
	return w.ID
}

func (f *fixture) set(t *testing.T, wh string, n int) {
	t.Helper()
	if _, err := f.inv.SetStock(ctx, f.merchant, f.variant, wh, n); err != nil {
		t.Fatal(err)
	}
}

// check asserts the variant's denormalised availability and the product's
// in_stock flag agree with the stock rows.
func (f *fixture) check(t *testing.T, available, inStock int) {
	t.Helper()
	if got := it.Int(t, f.db, `SELECT available FROM variants WHERE id = ?`, f.variant); got != available {
		t.Errorf("variants.available = %d; want %d", got, available)
	}
	if got := it.Int(t, f.db, `SELECT in_stock FROM products WHERE id = ?`, f.product); got != inStock {
		t.Errorf("products.in_stock = %d; want %d", got, inStock)
	}
	sum := it.Int(t, f.db, `SELECT COALESCE(SUM(on_hand - reserved), 0) FROM stock WHERE variant_id = ?`, f.variant)
	if sum != available {
		t.Errorf("stock rows sum to %d; want %d", sum, available)
	}
}

func (f *fixture) reserved(t *testing.T) int {
	return it.Int(t, f.db, `SELECT COALESCE(SUM(reserved), 0) FROM stock WHERE variant_id = ?`, f.variant)
}

func TestWarehouses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ws, err := f.inv.Warehouses(ctx, f.merchant)
		if err != nil || len(ws) != 2 || ws[0].Name != "Berlin" || ws[1].Name != "Lyon" {
			t.Fatalf("Warehouses = %+v, %v", ws, err)
		}
		if _, err := f.inv.CreateWarehouse(ctx, "mer_unknown", "X", "DE"); !errors.Is(err, inventory.ErrNotFound) {
			t.Errorf("unknown merchant: %v", err)
		}
		var ve *inventory.ValidationError
		if _, err := f.inv.CreateWarehouse(ctx, f.merchant, "X", "de"); !errors.As(err, &ve) || ve.Field != "country" {
			t.Errorf("bad country: %v", err)
		}
		if _, err := f.inv.CreateWarehouse(ctx, f.merchant, " ", "DE"); !errors.As(err, &ve) || ve.Field != "name" {
			t.Errorf("blank name: %v", err)
		}
	})
}

func TestSetStock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.check(t, 0, 0)
		f.set(t, f.whA, 5)
		f.set(t, f.whB, 3)
		f.check(t, 8, 1)
		if lv, err := f.inv.Adjust(ctx, f.merchant, f.variant, f.whB, -3); err != nil || lv.OnHand != 0 {
			t.Fatalf("Adjust = %+v, %v", lv, err)
		}
		f.check(t, 5, 1)
		levels, err := f.inv.StockLevels(ctx, f.merchant, f.variant)
		if err != nil || len(levels) != 2 || levels[0].OnHand != 5 || levels[1].OnHand != 0 {
			t.Fatalf("StockLevels = %+v, %v", levels, err)
		}
		f.set(t, f.whA, 0)
		f.check(t, 0, 0)
	})
}

// Another merchant's variant or warehouse is not found, and nothing changes.
func TestStockTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.set(t, f.whA, 5)
		for _, c := range []struct {
			name                         string
			merchant, variant, warehouse string
		}{
			{"fail/other-merchant-warehouse", f.merchant, f.variant, f.other},
			{"fail/other-merchant-variant", f.otherMerchant, f.variant, f.other},
			{"fail/variant-of-other-merchant-in-own-warehouse", f.otherMerchant, f.variant, f.whA},
			{"fail/unknown-variant", f.merchant, "var_unknown", f.whA},
			{"fail/unknown-warehouse", f.merchant, f.variant, "whs_unknown"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if _, err := f.inv.SetStock(ctx, c.merchant, c.variant, c.warehouse, 99); !errors.Is(err, inventory.ErrNotFound) {
					t.Errorf("SetStock: %v; want ErrNotFound", err)
				}
				if _, err := f.inv.Adjust(ctx, c.merchant, c.variant, c.warehouse, 1); !errors.Is(err, inventory.ErrNotFound) {
					t.Errorf("Adjust: %v; want ErrNotFound", err)
				}
				f.check(t, 5, 1)
				if n := it.Int(t, db, `SELECT count(*) FROM stock`); n != 1 {
					t.Errorf("%d stock rows; want 1", n)
				}
			})
		}
		if _, err := f.inv.StockLevels(ctx, f.otherMerchant, f.variant); !errors.Is(err, inventory.ErrNotFound) {
			t.Errorf("StockLevels of another merchant's variant: %v", err)
		}
	})
}

func TestReserveSplitsMostAvailableFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.set(t, f.whA, 3)
		f.set(t, f.whB, 5)
		var allocs []inventory.Allocation
		err := db.Tx(ctx, func(tx *store.Tx) (err error) {
			allocs, err = f.inv.Reserve(ctx, tx, f.variant, 7)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []inventory.Allocation{{f.variant, f.whB, 5}, {f.variant, f.whA, 2}}
		if len(allocs) != 2 || allocs[0] != want[0] || allocs[1] != want[1] {
			t.Fatalf("allocations = %+v; want %+v", allocs, want)
		}
		f.check(t, 1, 1)

		t.Run("fail/below-reserved", func(t *testing.T) {
			if _, err := f.inv.SetStock(ctx, f.merchant, f.variant, f.whB, 4); !errors.Is(err, inventory.ErrBelowReserved) {
				t.Errorf("SetStock below reserved: %v", err)
			}
			if _, err := f.inv.Adjust(ctx, f.merchant, f.variant, f.whA, -2); !errors.Is(err, inventory.ErrBelowReserved) {
				t.Errorf("Adjust below reserved: %v", err)
			}
			f.check(t, 1, 1)
		})

		// Ship the larger part, release the rest.
		if err := db.Tx(ctx, func(tx *store.Tx) error { return f.inv.Ship(ctx, tx, allocs[:1]) }); err != nil {
			t.Fatal(err)
		}
		if got := it.Int(t, db, `SELECT on_hand FROM stock WHERE warehouse_id = ?`, f.whB); got != 0 {
			t.Errorf("on_hand after ship = %d; want 0", got)
		}
		f.check(t, 1, 1)
		if err := db.Tx(ctx, func(tx *store.Tx) error { return f.inv.Release(ctx, tx, allocs[1:]) }); err != nil {
			t.Fatal(err)
		}
		f.check(t, 3, 1)
		if got := f.reserved(t); got != 0 {
			t.Errorf("reserved = %d; want 0", got)
		}
		// Releasing again finds nothing reserved: refused, nothing changes.
		if err := db.Tx(ctx, func(tx *store.Tx) error { return f.inv.Release(ctx, tx, allocs[1:]) }); err == nil {
			t.Error("double release accepted")
		}
		f.check(t, 3, 1)
	})
}

// An unmet request anywhere in the batch reserves nothing, even for the
// requests before it, and names the variant.
func TestReserveAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.set(t, f.whA, 4)
		scarce := it.Variant(t, db, f.product, 500, "EUR")
		if _, err := f.inv.SetStock(ctx, f.merchant, scarce, f.whA, 1); err != nil {
			t.Fatal(err)
		}
		var got error
		_ = db.Tx(ctx, func(tx *store.Tx) error {
			_, got = f.inv.ReserveAll(ctx, tx, []inventory.Request{{f.variant, 2}, {scarce, 1}, {scarce, 1}})
			return nil // commit whatever the call did: it must have done nothing
		})
		var oos *inventory.OutOfStockError
		if !errors.As(got, &oos) || !errors.Is(got, inventory.ErrOutOfStock) || oos.VariantID != scarce || oos.Requested != 2 || oos.Available != 1 {
			t.Fatalf("ReserveAll = %v; want out of stock for %s", got, scarce)
		}
		if n := it.Int(t, db, `SELECT COALESCE(SUM(reserved), 0) FROM stock`); n != 0 {
			t.Errorf("%d units reserved after a failed reservation", n)
		}
		f.check(t, 4, 1)
	})
}

func TestInStockFollowsActiveVariants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.set(t, f.whA, 2)
		f.check(t, 2, 1)
		it.Exec(t, db, `UPDATE variants SET status = 'archived' WHERE id = ?`, f.variant)
		if err := db.Tx(ctx, func(tx *store.Tx) error { return inventory.RefreshProducts(ctx, tx, []string{f.product}) }); err != nil {
			t.Fatal(err)
		}
		f.check(t, 2, 0)
	})
}

// Many concurrent reservations of the last units: exactly the stock is
// reserved, never more.
func TestReserveConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.set(t, f.whA, 3)
		f.set(t, f.whB, 4)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, oos := 0, 0
		for range 40 {
			wg.Go(func() {
				err := db.Tx(ctx, func(tx *store.Tx) error { _, err := f.inv.Reserve(ctx, tx, f.variant, 1); return err })
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, inventory.ErrOutOfStock):
					oos++
				default:
					t.Errorf("Reserve: %v", err)
				}
			})
		}
		wg.Wait()
		if ok != 7 || oos != 33 {
			t.Errorf("%d reserved, %d out of stock; want 7 and 33", ok, oos)
		}
		f.check(t, 0, 0)
	})
}
