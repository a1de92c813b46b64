package order_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/inventory"
	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var ctx = context.Background()

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type recorded struct {
	actor, action, object string
	detail                map[string]string
}

type fixture struct {
	db    *store.DB
	keys  *keyring.Keyring
	inv   *inventory.Service
	carts *cart.Service
	svc   *order.Service
	clock *clock

	merchant, product, variant, warehouse string

	mu       sync.Mutex
	recorded []recorded
}

// newFixture builds the services over db, with a merchant selling one
// variant at 19.99 EUR with stock units in one warehouse.
func newFixture(t testing.TB, db *store.DB, stock int) *fixture {
	t.Helper()
	m, err := keyring.CreateMasterFile(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.Open(ctx, db, m)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, keys: keys, clock: &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	f.inv = inventory.New(db, f.clock.Now)
	f.carts = cart.New(db, f.clock.Now)
	f.svc = order.New(order.Config{Now: f.clock.Now, Record: f.record}, db, keys, f.inv, f.carts)
	f.merchant = it.Merchant(t, db)
	f.product = it.Product(t, db, f.merchant, "EUR")
	f.variant = it.Variant(t, db, f.product, 1999, "EUR")
	f.warehouse = f.newWarehouse(t, f.merchant)
	f.setStock(t, f.merchant, f.variant, f.warehouse, stock)
	return f
}

func (f *fixture) record(_ context.Context, tx *store.Tx, actor, action, object string, detail map[string]string) error {
	if tx == nil {
		panic("recorder called outside a transaction")
	}
	f.mu.Lock()
	f.recorded = append(f.recorded, recorded{actor, action, object, detail})
	f.mu.Unlock()
	return nil
}

func (f *fixture) newWarehouse(t testing.TB, merchant string) string {
	t.Helper()
	w, err := f.inv.CreateWarehouse(ctx, merchant, "Main", "DE")
	if err != nil {
		t.Fatal(err)
	}
	return w.ID
}

func (f *fixture) setStock(t testing.TB, merchant, variant, warehouse string, n int) {
	t.Helper()
	if _, err := f.inv.SetStock(ctx, merchant, variant, warehouse, n); err != nil {
		t.Fatal(err)
	}
}

var address = order.Address{
	Name: "Erika Mustermann", Lines: []string{"Heidestraße 17", "Hinterhaus"}, City: "Köln", Postcode: "51147",
	Phone: "+49 221 1234567",
}

func (f *fixture) request(buyer string) order.CheckoutRequest {
	return order.CheckoutRequest{BuyerID: buyer, CartOwner: buyer, Address: address, Country: "DE",
		ShippingMethod: shipping.Standard}
}

// buy fills a new buyer's cart with qty of the fixture's variant and
// checks out.
func (f *fixture) buy(t testing.TB, qty int) (string, order.Order) {
	t.Helper()
	buyer := it.Buyer(t, f.db)
	if err := f.carts.Add(ctx, buyer, f.variant, qty); err != nil {
		t.Fatal(err)
	}
	orders, err := f.svc.Checkout(ctx, f.request(buyer))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 {
		t.Fatalf("%d orders", len(orders))
	}
	return buyer, orders[0]
}

// stock returns the fixture variant's on_hand and reserved in its
// warehouse, and variants.available.
func (f *fixture) stock(t testing.TB) (onHand, reserved, available int) {
	t.Helper()
	err := f.db.QueryRow(ctx, `SELECT s.on_hand, s.reserved, v.available FROM stock s JOIN variants v ON v.id = s.variant_id
		WHERE s.variant_id = ? AND s.warehouse_id = ?`, f.variant, f.warehouse).Scan(&onHand, &reserved, &available)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// snapshot is everything a refused change must leave alone.
type snapshot struct {
	status, stockState          string
	events                      int
	onHand, reserved, available int
}

func (f *fixture) snap(t testing.TB, orderID string) snapshot {
	t.Helper()
	var s snapshot
	if err := f.db.QueryRow(ctx, `SELECT status, stock_state FROM orders WHERE id = ?`, orderID).Scan(&s.status, &s.stockState); err != nil {
		t.Fatal(err)
	}
	s.events = it.Int(t, f.db, `SELECT count(*) FROM order_events WHERE order_id = ?`, orderID)
	s.onHand, s.reserved, s.available = f.stock(t)
	return s
}

// actors returns one actor of each kind entitled to the order (its
// buyer, its merchant's staff, the system, support).
func actors(buyer, merchant string) map[order.ActorKind]order.Actor {
	return map[order.ActorKind]order.Actor{
		order.ByBuyer:    {ID: buyer, Kind: order.ByBuyer},
		order.ByMerchant: {ID: "acc_staff", Kind: order.ByMerchant, MerchantID: merchant},
		order.BySystem:   order.System,
		order.BySupport:  {ID: "acc_support", Kind: order.BySupport},
	}
}

// change is a valid Change to status to: reasons and tracking included.
func change(to order.Status) order.Change {
	return order.Change{To: to, Note: "reason given", Carrier: "DHL", Tracking: "JJD0099887766"}
}
