// Package order turns carts into orders and moves orders through their
// life: checkout, payment, acceptance, shipping, delivery, cancellation,
// disputes and refunds.
//
// Checkout runs in one transaction: it reads and locks the cart,
// reserves stock for every line (all or nothing), re-checks that every
// item is for sale at no more than the price the buyer saw, and writes
// one order per merchant, sharing a checkout ID. A checkout is paid as
// one payment, so it takes one currency: a cart mixing currencies is
// refused with ErrMixedCurrency and the buyer checks out one currency at a
// time. Catalog prices are net; tax is added per line and on shipping
// (see Compute).
//
// Every status change follows the table in status.go, is refused with
// ErrIllegalTransition otherwise, and writes an order_events row and an
// audit record in the same transaction as the change and its stock
// effects. The shipping address is personal data: it is sealed by the
// keyring, bound to the order's row, and never stored in clear.
package order

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/store"
)

// Errors callers must tell apart. Their messages are safe to show.
var (
	// ErrNotFound: no such order, or one of another buyer or merchant
	// (the two are not told apart). Answer 404.
	ErrNotFound = store.ErrNotFound
	// ErrOutOfStock: a line could not be reserved; nothing was created.
	// The error is an *OutOfStockError naming the variant. Answer 409 and
	// send the buyer back to the cart.
	ErrOutOfStock = inventory.ErrOutOfStock
	// ErrIllegalTransition: the order's status does not allow this change
	// by this kind of actor (paying a cancelled order, shipping an unpaid
	// one). Nothing changed. Answer 409.
	ErrIllegalTransition = errors.New("this order cannot make that change now")
	// ErrExpired: payment arrived after the order's payment window; the
	// order stays unpaid and expiry will cancel it. Answer 409; the
	// payment must be voided.
	ErrExpired = errors.New("the time to pay for this order has run out")
	// ErrEmptyCart: nothing to check out. Answer 409.
	ErrEmptyCart = errors.New("your cart is empty")
	// ErrUnavailable: a line is no longer for sale (archived variant or
	// product, suspended merchant). An *ItemError names it. Answer 409.
	ErrUnavailable = errors.New("an item in your cart is no longer for sale")
	// ErrPriceChanged: a line now costs more than the buyer was shown. An
	// *ItemError names it. Answer 409; the cart page shows the new price
	// and cart.AcceptPrices lets the buyer go on.
	ErrPriceChanged = errors.New("the price of an item in your cart has gone up")
	// ErrMixedCurrency: the cart holds items priced in more than one
	// currency. Answer 409.
	ErrMixedCurrency = errors.New("your cart mixes currencies: check out one currency at a time")
)

// OutOfStockError names the variant that could not be reserved.
type OutOfStockError = inventory.OutOfStockError

// ItemError names the cart line a checkout refused; Err is
// ErrUnavailable or ErrPriceChanged.
type ItemError struct {
	VariantID string
	Err       error
}

func (e *ItemError) Error() string { return fmt.Sprintf("%v (variant %s)", e.Err, e.VariantID) }
func (e *ItemError) Unwrap() error { return e.Err }

// ValidationError is bad input, named by field: answer 422 with Msg next
// to Field. Msg is safe to show.
type ValidationError struct {
	Field, Msg string
}

func (e *ValidationError) Error() string { return "order: " + e.Field + ": " + e.Msg }

// Recorder writes an audit event inside the transaction of the change it
// describes; the application wires it to the audit outbox.
type Recorder func(ctx context.Context, tx *store.Tx, actor, action, object string, detail map[string]string) error

// Config tunes the service.
type Config struct {
	// PaymentTTL is how long a new order holds its stock waiting for
	// payment; default 30 minutes.
	PaymentTTL time.Duration
	// Now replaces the clock; nil is time.Now.
	Now func() time.Time
	// Record receives every order creation and status change; nil
	// records nothing.
	Record Recorder
}

// Service is the order domain service.
type Service struct {
	cfg   Config
	db    *store.DB
	keys  *keyring.Keyring
	inv   *inventory.Service
	carts *cart.Service
	now   func() time.Time
}

// New builds the service.
func New(cfg Config, db *store.DB, keys *keyring.Keyring, inv *inventory.Service, carts *cart.Service) *Service {
	if cfg.PaymentTTL <= 0 {
		cfg.PaymentTTL = 30 * time.Minute
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{cfg: cfg, db: db, keys: keys, inv: inv, carts: carts, now: func() time.Time { return now().UTC() }}
}

// Order is one merchant's part of a checkout.
type Order struct {
	ID             string
	CheckoutID     string
	BuyerID        string
	OrgID          string
	MerchantID     string
	Status         Status
	Subtotal       money.Amount // goods, net
	Shipping       money.Amount // net
	Tax            money.Amount // on goods and shipping
	Total          money.Amount
	ShippingMethod shipping.Method
	Country        string
	Carrier        string
	Tracking       string
	CancelReason   string
	ExpiresAt      time.Time // when an unpaid order lapses; zero once paid or closed
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// Filled in by the single-order reads, nil in lists.
	Address *Address
	Lines   []Line
	Events  []Event

	stock string // reserved | released | shipped
}

// Line is a snapshot of one item as sold: later catalog edits do not
// change it. A variant taken from two warehouses is two lines.
type Line struct {
	No           int
	ProductID    string
	VariantID    string
	WarehouseID  string
	SKU          string
	Title        string
	VariantTitle string
	UnitPrice    money.Amount
	Quantity     int
	Total        money.Amount // UnitPrice × Quantity, net
	TaxBPS       int64
	Tax          money.Amount
}

// Event is one status change.
type Event struct {
	Seq       int
	From, To  Status // From is "" for creation
	Actor     string // account ID, or "system"
	ActorKind ActorKind
	Note      string
	At        time.Time
}

// Stock states of an order's lines.
const (
	stockReserved = "reserved"
	stockReleased = "released"
	stockShipped  = "shipped"
)

func (s *Service) record(ctx context.Context, tx *store.Tx, actor, action, object string, detail map[string]string) error {
	if s.cfg.Record == nil {
		return nil
	}
	return s.cfg.Record(ctx, tx, actor, action, object, detail)
}
