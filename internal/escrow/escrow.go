// Package escrow holds buyers' money between payment and delivery. A
// captured payment puts each order's total in escrow (Fund, called by the
// payment service); the merchant is credited, less the platform's fee,
// only when the buyer confirms delivery (Confirm) or when a configurable
// period after delivery passes without a dispute (ReleaseDue). A buyer
// may open a dispute within that window (OpenDispute), which freezes
// release; support resolves it by full or partial refund, or by release
// (Resolve). Every movement is a ledger entry in the transaction of the
// order change that causes it, and escrow_holds records per order what
// was paid, refunded and released, so money.Check can prove the escrow
// account equals what is held.
//
// A merchant's pending balance is what escrow holds for its open orders;
// its available balance is its merchant_payable account; RecordPayout
// moves available money to the merchant's bank (simulated).
package escrow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
)

// Errors callers tell apart. Messages are safe to show.
var (
	// ErrNotFound: no such order for this actor, or it was never paid.
	// Answer 404.
	ErrNotFound = store.ErrNotFound
	// ErrDisputed: the order is under dispute; its money is frozen until
	// support resolves it. Answer 409.
	ErrDisputed = errors.New("this order is under dispute: its payment is on hold")
	// ErrNotDisputed: Resolve on an order that is not disputed. Answer 409.
	ErrNotDisputed = errors.New("this order is not under dispute")
	// ErrWindowClosed: the time to open a dispute has passed (or the
	// payment was released). Answer 409.
	ErrWindowClosed = errors.New("the time to open a dispute for this order has passed")
	// ErrNotReleasable: the order is not in a state whose money can be
	// released or refunded (not delivered yet, already released). Answer
	// 409.
	ErrNotReleasable = errors.New("this order's payment cannot be released now")
	// ErrRefundTooLarge: more than was paid less what was refunded.
	// Nothing moved. Answer 409.
	ErrRefundTooLarge = errors.New("the refund is larger than what was paid")
	// ErrInsufficientFunds: a payout larger than the available balance.
	// Answer 409.
	ErrInsufficientFunds = errors.New("the payout is larger than the available balance")
	// ErrForbidden: the actor may not take this decision (a merchant
	// releasing its own disputed order). Answer 403.
	ErrForbidden = errors.New("you may not do this")
)

// Refunder sends money back to the buyer's card. The payment service
// implements it.
type Refunder interface {
	// QueueRefundTx records inside tx a refund of amount on a captured
	// payment for orderID and returns its ID; it refuses more than the
	// payment has left.
	QueueRefundTx(ctx context.Context, tx *store.Tx, paymentID, orderID string, amount money.Amount, reason string) (string, error)
	// SendRefund asks the provider to pay a queued refund (idempotent).
	SendRefund(ctx context.Context, refundID string) error
}

// Recorder writes an audit event inside the transaction of the change.
type Recorder func(ctx context.Context, tx *store.Tx, actor, action, object string, detail map[string]string) error

// NoFee, as Config.FeeBPS, takes no platform fee.
const NoFee = -1

// Config tunes escrow.
type Config struct {
	// ReleaseAfter is how long after delivery the money is released
	// without the buyer's confirmation, and the window for a dispute;
	// default 10 days.
	ReleaseAfter time.Duration
	// FeeBPS is the platform's fee on what is released, in basis points
	// (500 is 5 %), rounded half away from zero; 0 means the default
	// 500, NoFee means none.
	FeeBPS int64
	// Now replaces the clock; nil is time.Now.
	Now func() time.Time
	// Record receives escrow events; nil records nothing.
	Record Recorder
}

// Service moves money out of escrow.
type Service struct {
	cfg     Config
	db      *store.DB
	orders  *order.Service
	refunds Refunder
	now     func() time.Time
}

// New builds the service. It refuses a fee outside 0 to 100 %.
func New(cfg Config, db *store.DB, orders *order.Service, refunds Refunder) (*Service, error) {
	if cfg.ReleaseAfter <= 0 {
		cfg.ReleaseAfter = 10 * 24 * time.Hour
	}
	switch {
	case cfg.FeeBPS == 0:
		cfg.FeeBPS = 500
	case cfg.FeeBPS == NoFee:
		cfg.FeeBPS = 0
	case cfg.FeeBPS < 0 || cfg.FeeBPS > 10_000:
		return nil, fmt.Errorf("escrow: platform fee of %d basis points is not between 0 and 10000", cfg.FeeBPS)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{cfg: cfg, db: db, orders: orders, refunds: refunds, now: func() time.Time { return now().UTC() }}, nil
}

// Hold is what escrow holds for one order.
type Hold struct {
	OrderID    string
	PaymentID  string
	BuyerID    string
	MerchantID string
	Paid       money.Amount
	Refunded   money.Amount
	Released   money.Amount // to the merchant, fee included
	Fee        money.Amount
	Open       bool
}

// Remaining is what the hold still holds.
func (h Hold) Remaining() money.Amount {
	return money.New(h.Paid.Minor-h.Refunded.Minor-h.Released.Minor, h.Paid.Currency)
}

func lockHold(ctx context.Context, q store.Querier, orderID string, lock bool) (Hold, error) {
	query := `SELECT order_id, payment_id, buyer_id, merchant_id, currency, paid, refunded, released, fee, status
		FROM escrow_holds WHERE order_id = ?`
	if lock && q.Engine() == store.Postgres {
		query += ` FOR UPDATE`
	}
	var h Hold
	var cur, status string
	err := q.QueryRow(ctx, query, orderID).Scan(&h.OrderID, &h.PaymentID, &h.BuyerID, &h.MerchantID, &cur,
		&h.Paid.Minor, &h.Refunded.Minor, &h.Released.Minor, &h.Fee.Minor, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return Hold{}, ErrNotFound
	}
	c := money.Currency(cur)
	h.Paid.Currency, h.Refunded.Currency, h.Released.Currency, h.Fee.Currency = c, c, c, c
	h.Open = status == "open"
	return h, err
}

// HoldOf reads the escrow hold of an order, without tenancy checks: for
// support tools and the order pages of its buyer and merchant after
// their own authorisation.
func (s *Service) HoldOf(ctx context.Context, orderID string) (Hold, error) {
	return lockHold(ctx, s.db, orderID, false)
}

func (s *Service) record(ctx context.Context, tx *store.Tx, actor, action, object string, detail map[string]string) error {
	if s.cfg.Record == nil {
		return nil
	}
	return s.cfg.Record(ctx, tx, actor, action, object, detail)
}

func actorID(a order.Actor) string {
	if a.Kind == order.BySystem {
		return order.System.ID
	}
	return a.ID
}
