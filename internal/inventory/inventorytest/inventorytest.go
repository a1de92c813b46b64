// Package inventorytest makes the rows that inventory, cart and order
// tests stand on (merchants, products, variants, buyer accounts) with
// plain INSERTs, so those tests depend on the schema and not on the
// catalog or identity services.
package inventorytest

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

func exec(t testing.TB, db *store.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(context.Background(), query, args...); err != nil {
		t.Fatal(err)
	}
}

// Merchant inserts an active merchant.
func Merchant(t testing.TB, db *store.DB) string {
	t.Helper()
	id := ids.New("mer")
	exec(t, db, `INSERT INTO merchants (id, slug, name, status, created_at) VALUES (?, ?, ?, 'active', ?)`,
		id, id, "Merchant "+id[len(id)-6:], store.Micros(time.Now()))
	return id
}

// Product inserts an active product of merchantID priced in currency.
func Product(t testing.TB, db *store.DB, merchantID, currency string) string {
	t.Helper()
	id := ids.New("prd")
	now := store.Micros(time.Now())
	exec(t, db, `INSERT INTO products (id, merchant_id, title, description, status, currency, min_price, created_at, updated_at)
		VALUES (?, ?, ?, '', 'active', ?, 0, ?, ?)`, id, merchantID, "Product "+id[len(id)-6:], currency, now, now)
	return id
}

// Variant inserts an active variant of productID.
func Variant(t testing.TB, db *store.DB, productID string, priceMinor int64, currency string) string {
	t.Helper()
	id := ids.New("var")
	exec(t, db, `INSERT INTO variants (id, product_id, sku, title, options, price_minor, currency, status)
		VALUES (?, ?, ?, 'M / Blue', '{}', ?, ?, 'active')`, id, productID, "SKU-"+id[len(id)-8:], priceMinor, currency)
	return id
}

// Item inserts an active merchant, product and variant in one go and
// returns the merchant and variant IDs.
func Item(t testing.TB, db *store.DB, priceMinor int64, currency string) (merchantID, variantID string) {
	t.Helper()
	merchantID = Merchant(t, db)
	return merchantID, Variant(t, db, Product(t, db, merchantID, currency), priceMinor, currency)
}

// Buyer inserts an active customer account with dummy sealed fields.
func Buyer(t testing.TB, db *store.DB) string {
	t.Helper()
	id := ids.New("acc")
	bidx := make([]byte, 32)
	rand.Read(bidx)
	now := store.Micros(time.Now())
	exec(t, db, `INSERT INTO accounts (id, kind, email_bidx, email_ct, status, created_at, updated_at)
		VALUES (?, 'customer', ?, ?, 'active', ?, ?)`, id, bidx, []byte("dummy"), now, now)
	return id
}

// Exec runs a statement, failing the test on error: for archiving a
// variant or suspending a merchant in a test.
func Exec(t testing.TB, db *store.DB, query string, args ...any) {
	t.Helper()
	exec(t, db, query, args...)
}

// Int reads one integer, failing the test on error.
func Int(t testing.TB, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
