// Package paymenttest builds the whole money path over a test database
// (keyring, inventory, carts, orders, vault, simulated acquirer, payment
// and escrow services) on a settable clock, with helpers to check out,
// pay, deliver, and prove that a refused request moved nothing.
package paymenttest

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/inventory"
	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/store"
)

var ctx = context.Background()

// Clock is a settable time source.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock forward.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Event is an audit event the services recorded.
type Event struct{ Actor, Action, Object string }

// Fixture is the money path over one database.
type Fixture struct {
	DB       *store.DB
	Keys     *keyring.Keyring
	Clock    *Clock
	Orders   *order.Service
	Carts    *cart.Service
	Vault    *payment.Vault
	Sim      *payment.Simulator
	Provider *Hooked
	Pay      *payment.Service
	Escrow   *escrow.Service

	// Two merchants, each selling one variant in EUR with plenty of stock.
	Merchants [2]string
	Variants  [2]string

	mu     sync.Mutex
	events []Event
}

// New builds the fixture over db, with escrow's default 10-day period and
// 5 % fee.
func New(t testing.TB, db *store.DB) *Fixture {
	t.Helper()
	m, err := keyring.CreateMasterFile(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.Open(ctx, db, m)
	if err != nil {
		t.Fatal(err)
	}
	f := &Fixture{DB: db, Keys: keys, Clock: &Clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	inv := inventory.New(db, f.Clock.Now)
	f.Carts = cart.New(db, f.Clock.Now)
	f.Orders = order.New(order.Config{Now: f.Clock.Now, Record: f.record}, db, keys, inv, f.Carts)
	f.Vault = payment.NewVault(db, keys, f.Clock.Now)
	f.Sim = payment.NewSimulator(db, f.Clock.Now)
	f.Provider = &Hooked{Provider: f.Sim}
	f.Pay = payment.New(payment.Config{Now: f.Clock.Now, Record: f.record, SettleAfter: -1}, db, f.Orders, f.Vault, f.Provider)
	f.Escrow, err = escrow.New(escrow.Config{Now: f.Clock.Now, Record: escrow.Recorder(f.record)}, db, f.Orders, f.Pay)
	if err != nil {
		t.Fatal(err)
	}
	for i, price := range []int64{1999, 250} {
		f.Merchants[i] = it.Merchant(t, db)
		f.Variants[i] = it.Variant(t, db, it.Product(t, db, f.Merchants[i], "EUR"), price, "EUR")
		w, err := inv.CreateWarehouse(ctx, f.Merchants[i], "Main", "DE")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inv.SetStock(ctx, f.Merchants[i], f.Variants[i], w.ID, 1_000_000); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *Fixture) record(_ context.Context, tx *store.Tx, actor, action, object string, _ map[string]string) error {
	if tx == nil {
		panic("audit event outside a transaction")
	}
	f.mu.Lock()
	f.events = append(f.events, Event{actor, action, object})
	f.mu.Unlock()
	return nil
}

// Events returns the audit events recorded so far (committed or not).
func (f *Fixture) Events() []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.events)
}

// Checkout makes a new buyer whose cart holds qty[i] of Variants[i] and
// checks out: one order per merchant with a non-zero quantity.
func (f *Fixture) Checkout(t testing.TB, qty ...int) (buyer string, orders []order.Order) {
	t.Helper()
	buyer = it.Buyer(t, f.DB)
	return buyer, f.CheckoutFor(t, buyer, qty...)
}

// CheckoutFor is Checkout for an existing buyer.
func (f *Fixture) CheckoutFor(t testing.TB, buyer string, qty ...int) []order.Order {
	t.Helper()
	for i, q := range qty {
		if q > 0 {
			if err := f.Carts.Add(ctx, buyer, f.Variants[i], q); err != nil {
				t.Fatal(err)
			}
		}
	}
	orders, err := f.Orders.Checkout(ctx, order.CheckoutRequest{BuyerID: buyer, CartOwner: buyer, Country: "DE",
		ShippingMethod: shipping.Standard, Address: order.Address{Name: "Erika Mustermann", Lines: []string{"Heidestraße 17"},
			City: "Köln", Postcode: "51147", Phone: "+49 221 1234567"}})
	if err != nil {
		t.Fatal(err)
	}
	return orders
}

// Total is what a checkout's orders cost together.
func Total(orders []order.Order) money.Amount {
	sum := money.New(0, orders[0].Total.Currency)
	for _, o := range orders {
		sum.Minor += o.Total.Minor
	}
	return sum
}

// Request is a payment of the orders' checkout with a new card.
func Request(buyer string, orders []order.Order, card, key string) payment.PayRequest {
	cvv := "123"
	if p, err := payment.ParsePAN(card); err == nil && p.Brand() == payment.Amex {
		cvv = "1234"
	}
	return payment.PayRequest{BuyerID: buyer, CheckoutID: orders[0].CheckoutID, Amount: Total(orders),
		Card: &payment.CardInput{Number: card, ExpMonth: 12, ExpYear: 2030, Holder: "Erika Mustermann"}, CVV: cvv,
		IdempotencyKey: key}
}

// Buy checks out qty and pays with the approving test card.
func (f *Fixture) Buy(t testing.TB, qty ...int) (string, []order.Order, payment.Payment) {
	t.Helper()
	buyer, orders := f.Checkout(t, qty...)
	p, err := f.Pay.Pay(ctx, Request(buyer, orders, payment.CardApprove, "key-"+buyer))
	if err != nil || p.Status != payment.StatusCaptured {
		t.Fatalf("pay: %+v, %v", p, err)
	}
	return buyer, orders, p
}

// Deliver takes a paid order through accepted and shipped to delivered,
// as its merchant.
func (f *Fixture) Deliver(t testing.TB, o order.Order) {
	t.Helper()
	a := order.Actor{ID: "acc_staff", Kind: order.ByMerchant, MerchantID: o.MerchantID}
	for _, c := range []order.Change{{To: order.Accepted}, {To: order.Shipped, Carrier: "DHL", Tracking: "JJD0099887766"},
		{To: order.Delivered}} {
		if _, err := f.Orders.Transition(ctx, o.ID, a, c); err != nil {
			t.Fatalf("%s: %v", c.To, err)
		}
	}
}

// Check fails the test unless money.Check passes.
func (f *Fixture) Check(t testing.TB) {
	t.Helper()
	if err := money.Check(ctx, f.DB); err != nil {
		t.Fatal(err)
	}
}

// Status reads an order's status.
func (f *Fixture) Status(t testing.TB, orderID string) order.Status {
	t.Helper()
	o, err := f.Orders.Get(ctx, f.DB, orderID)
	if err != nil {
		t.Fatal(err)
	}
	return o.Status
}

// Snapshot is everything a refused request must leave as it was.
type Snapshot struct {
	Balances map[string]int64  // ledger account -> balance
	Rows     map[string]int    // table -> row count
	Orders   map[string]string // order -> status
}

// Snap takes a snapshot.
func (f *Fixture) Snap(t testing.TB) Snapshot {
	t.Helper()
	s := Snapshot{Balances: map[string]int64{}, Rows: map[string]int{}, Orders: map[string]string{}}
	rows, err := f.DB.Query(ctx, `SELECT id, balance FROM ledger_accounts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var b int64
		rows.Scan(&id, &b)
		s.Balances[id] = b
	}
	rows.Close()
	rows, err = f.DB.Query(ctx, `SELECT id, status FROM orders`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, st string
		rows.Scan(&id, &st)
		s.Orders[id] = st
	}
	rows.Close()
	for _, tbl := range []string{"ledger_entries", "ledger_lines", "escrow_holds", "payment_refunds",
		"sim_acquirer_ops", "sim_acquirer_idempotency"} {
		s.Rows[tbl] = it.Int(t, f.DB, `SELECT count(*) FROM `+tbl)
	}
	s.Rows["sim_captured"] = it.Int(t, f.DB, `SELECT COALESCE(SUM(captured), 0) FROM sim_acquirer_auths`)
	s.Rows["sim_refunded"] = it.Int(t, f.DB, `SELECT COALESCE(SUM(refunded), 0) FROM sim_acquirer_auths`)
	s.Rows["sim_approved"] = it.Int(t, f.DB, `SELECT count(*) FROM sim_acquirer_auths WHERE status = 'approved'`)
	return s
}

// Unchanged fails the test if anything moved since before.
func (f *Fixture) Unchanged(t testing.TB, name string, before Snapshot) {
	t.Helper()
	after := f.Snap(t)
	if !maps.Equal(before.Balances, after.Balances) {
		t.Errorf("%s: balances moved: %v -> %v", name, before.Balances, after.Balances)
	}
	if !maps.Equal(before.Rows, after.Rows) {
		t.Errorf("%s: rows changed: %v -> %v", name, before.Rows, after.Rows)
	}
	if !maps.Equal(before.Orders, after.Orders) {
		t.Errorf("%s: an order changed status", name)
	}
}

// Hooked is a Provider that runs test hooks around the real one's calls:
// to cancel an order between authorisation and capture, say.
type Hooked struct {
	payment.Provider
	mu            sync.Mutex
	afterAuth     func()
	beforeCapture func()
}

func (h *Hooked) hook(p *func()) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn := *p
	*p = nil
	return fn
}

// SetAfterAuth runs fn once, after the next authorisation.
func (h *Hooked) SetAfterAuth(fn func()) { h.mu.Lock(); h.afterAuth = fn; h.mu.Unlock() }

// SetBeforeCapture runs fn once, before the next capture.
func (h *Hooked) SetBeforeCapture(fn func()) { h.mu.Lock(); h.beforeCapture = fn; h.mu.Unlock() }

func (h *Hooked) Authorize(ctx context.Context, r payment.AuthRequest) (payment.Auth, error) {
	a, err := h.Provider.Authorize(ctx, r)
	if fn := h.hook(&h.afterAuth); fn != nil {
		fn()
	}
	return a, err
}

func (h *Hooked) Capture(ctx context.Context, authID string, amount money.Amount, key string) (string, error) {
	if fn := h.hook(&h.beforeCapture); fn != nil {
		fn()
	}
	return h.Provider.Capture(ctx, authID, amount, key)
}
