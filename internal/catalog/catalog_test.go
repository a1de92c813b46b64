package catalog_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var ctx = context.Background()

// fixture is a catalog with two merchants and a small category tree, on
// a clock that moves one second per reading so creation order is sure.
type fixture struct {
	svc          *catalog.Service
	db           *store.DB
	a, b         catalog.Merchant
	clothing     catalog.Category
	shirts       catalog.Category
	kitchen      catalog.Category
	clockSeconds int64
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db}
	f.svc = catalog.New(db, catalog.WithClock(func() time.Time {
		f.clockSeconds++
		return time.Unix(1_700_000_000+f.clockSeconds, 0)
	}))
	f.a = must(f.svc.CreateMerchant(ctx, "Acme Outfitters", "acme"))(t)
	f.b = must(f.svc.CreateMerchant(ctx, "Bolt & Co", "bolt"))(t)
	f.clothing = must(f.svc.CreateCategory(ctx, "Clothing", "clothing", ""))(t)
	f.shirts = must(f.svc.CreateCategory(ctx, "Shirts", "shirts", f.clothing.ID))(t)
	f.kitchen = must(f.svc.CreateCategory(ctx, "Kitchen", "kitchen", ""))(t)
	return f
}

// must returns v, failing the test on err.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func eur(minor int64) money.Amount { return money.New(minor, "EUR") }

// product creates a one-variant EUR product for merchant m.
func (f *fixture) product(t testing.TB, m catalog.Merchant, cat catalog.Category, title, desc string, price int64) catalog.Product {
	t.Helper()
	p, err := f.svc.CreateProduct(ctx, m.ID, catalog.NewProduct{
		CategoryID: cat.ID, Title: title, Description: desc, Currency: "EUR",
		Variants: []catalog.NewVariant{{SKU: "SKU-1", Options: map[string]string{"size": "M"}, Price: eur(price)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// setAvailable does what inventory does, for tests of in-stock filters.
func (f *fixture) setAvailable(t testing.TB, productID string, n int) {
	t.Helper()
	err := f.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE variants SET available = ? WHERE product_id = ?`, n, productID); err != nil {
			return err
		}
		in := 0
		if n > 0 {
			in = 1
		}
		_, err := tx.Exec(ctx, `UPDATE products SET in_stock = ? WHERE id = ?`, in, productID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// wantInvalid checks that err is an *InvalidError on field.
func wantInvalid(t testing.TB, err error, field string) {
	t.Helper()
	ie, ok := catalog.IsInvalid(err)
	if !ok {
		t.Fatalf("got %v, want an InvalidError on %q", err, field)
	}
	if ie.Field != field {
		t.Fatalf("got InvalidError on %q (%s), want on %q", ie.Field, ie.Msg, field)
	}
	if ie.Msg == "" {
		t.Fatal("InvalidError without a message")
	}
}

func wantNotFound(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, catalog.ErrNotFound) || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func hitIDs(r catalog.Results) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}
