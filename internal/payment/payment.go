// Package payment takes card payments for checkouts: the card vault
// (tokenization), the Provider interface with a simulated acquirer, and
// the payment service that authorises, captures and books a payment.
//
// A card number enters through Pay or Vault.Tokenize, is sealed in the
// vault at once and leaves this package only towards a Provider; the
// security code is passed to one authorisation and never stored. Only
// brand, last four and expiry are ever shown.
//
// A payment moves through states kept in its row, each step a provider
// call with an idempotency key derived from the payment's ID, and each
// result written in its own transaction:
//
//	authorising -> capturing -> captured          (orders paid, money in escrow)
//	            -> challenge -> capturing ...     (3-D Secure)
//	            -> declined
//	            -> voiding -> voided              (orders no longer payable before capture)
//	capturing   -> reversing -> reversed          (orders no longer payable after capture: refunded)
//	            -> failed                         (the provider refused the capture)
//
// A lost answer (ErrTimeout) leaves the payment where it was; Pay again
// with the same idempotency key, or Reconcile, repeats the call with the
// same provider key, so a card is never charged twice.
package payment

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
)

// Status is where a payment is.
type Status string

const (
	StatusAuthorising Status = "authorising"
	StatusChallenge   Status = "challenge"
	StatusCapturing   Status = "capturing"
	StatusCaptured    Status = "captured"
	StatusDeclined    Status = "declined"
	StatusVoiding     Status = "voiding"
	StatusVoided      Status = "voided"
	StatusReversing   Status = "reversing"
	StatusReversed    Status = "reversed"
	StatusFailed      Status = "failed"
)

// Errors callers tell apart. Messages are safe to show.
var (
	// ErrNotFound: no such checkout, payment or card for this buyer
	// (another buyer's are not told apart). Answer 404.
	ErrNotFound = store.ErrNotFound
	// ErrAmountMismatch: the amount confirmed is not the checkout's
	// total due. Answer 409: show the total again.
	ErrAmountMismatch = errors.New("the amount does not match the order total")
	// ErrCurrencyMismatch: the amount confirmed is in another currency
	// than the orders. Answer 409.
	ErrCurrencyMismatch = errors.New("the currency does not match the order")
	// ErrAlreadyPaid: the checkout's orders are paid. Answer 409.
	ErrAlreadyPaid = errors.New("this order has already been paid")
	// ErrNotPayable: the orders were cancelled or their payment window
	// ran out; any authorisation was voided and any capture refunded.
	// Answer 409.
	ErrNotPayable = errors.New("this order can no longer be paid")
	// ErrInProgress: another payment of this checkout is under way (a
	// second confirmation with another key). Answer 409.
	ErrInProgress = errors.New("a payment for this order is already under way")
	// ErrIdempotencyConflict: the key was used for another request.
	// Answer 422.
	ErrIdempotencyConflict = errors.New("this idempotency key was used for another payment")
	// ErrPending: the card processor's answer is not known yet. Nothing
	// is lost or doubled: repeat with the same key, or wait for
	// reconciliation. Answer 202 or 503 with Retry-After.
	ErrPending = errors.New("the payment is being processed: try again in a moment")
	// ErrDeclined: the card was declined; a *DeclineError gives the
	// reason code. Answer 402.
	ErrDeclined = errors.New("the card was declined")
	// ErrFailed: the processor refused to complete the payment after
	// authorising it; nothing was charged. Answer 502.
	ErrFailed = errors.New("the payment could not be completed")
	// ErrBadRequest: a field is missing or malformed; a *FieldError
	// names it. Answer 422.
	ErrBadRequest = errors.New("the payment request is not valid")
)

// DeclineError is a decline with the processor's reason.
type DeclineError struct{ Code string }

func (e *DeclineError) Error() string { return ErrDeclined.Error() + " (" + e.Code + ")" }
func (e *DeclineError) Unwrap() error { return ErrDeclined }

// FieldError names the bad field of a request.
type FieldError struct{ Field, Msg string }

func (e *FieldError) Error() string { return "payment: " + e.Field + ": " + e.Msg }
func (e *FieldError) Unwrap() error { return ErrBadRequest }

// Recorder writes an audit event inside the transaction of the change;
// the application wires it to the audit outbox.
type Recorder func(ctx context.Context, tx *store.Tx, actor, action, object string, detail map[string]string) error

// Booked describes a payment at the moment it is booked, for hooks that
// must write in the same transaction (receipts and evidence).
type Booked struct {
	Payment Payment
	Orders  []order.Order
	Token   Token  // the payment instruction's card reference
	OIHash  []byte // as given in PayRequest
	PIHash  []byte
}

// Config tunes the service.
type Config struct {
	// Now replaces the clock; nil is time.Now.
	Now func() time.Time
	// Record receives payment events; nil records nothing.
	Record Recorder
	// OnCaptured runs inside the transaction that books a payment (after
	// the orders are paid and the ledger entry is written); an error
	// rolls the booking back, to be retried. The evidence package hooks
	// receipts here.
	OnCaptured func(ctx context.Context, tx *store.Tx, c Booked) error
	// SettleAfter is how long a payment may stay in an unsettled state
	// before Reconcile asks the provider about it; default one minute,
	// so that Reconcile does not race a request still running.
	SettleAfter time.Duration
	// ChallengeTTL is how long a 3-D Secure challenge may wait for the
	// buyer before Reconcile voids it; default 30 minutes.
	ChallengeTTL time.Duration
}

// Service takes payments.
type Service struct {
	cfg    Config
	db     *store.DB
	orders *order.Service
	vault  *Vault
	prov   Provider
	now    func() time.Time
}

// New builds the service.
func New(cfg Config, db *store.DB, orders *order.Service, vault *Vault, p Provider) *Service {
	if cfg.SettleAfter == 0 {
		cfg.SettleAfter = time.Minute
	}
	if cfg.ChallengeTTL <= 0 {
		cfg.ChallengeTTL = 30 * time.Minute
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{cfg: cfg, db: db, orders: orders, vault: vault, prov: p, now: func() time.Time { return now().UTC() }}
}

// Payment is a payment as stored; nothing in it is card data beyond
// brand and last four.
type Payment struct {
	ID          string
	BuyerID     string
	CheckoutID  string
	Status      Status
	Amount      money.Amount
	OrderIDs    []string
	Provider    string
	Card        CardInfo // brand and last four (expiry not kept on the payment)
	AuthID      string   // provider references
	CaptureID   string
	ChallengeID string // with StatusChallenge: where the buyer authenticates
	DeclineCode string
	CreatedAt   time.Time
	UpdatedAt   time.Time

	token Token
}

const paymentCols = `id, buyer_id, checkout_id, status, amount, currency, order_ids, provider, card_token, card_brand,
	card_last4, auth_id, capture_id, challenge_id, decline_code, created_at, updated_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanPayment(r rowScanner) (Payment, error) {
	var p Payment
	var status, cur, orders, tok, brand string
	var created, updated int64
	err := r.Scan(&p.ID, &p.BuyerID, &p.CheckoutID, &status, &p.Amount.Minor, &cur, &orders, &p.Provider, &tok, &brand,
		&p.Card.Last4, &p.AuthID, &p.CaptureID, &p.ChallengeID, &p.DeclineCode, &created, &updated)
	if err != nil {
		return Payment{}, store.NotFound(err)
	}
	p.Status, p.Amount.Currency, p.token, p.Card.Brand = Status(status), money.Currency(cur), Token(tok), Brand(brand)
	p.OrderIDs = strings.Fields(orders)
	p.CreatedAt, p.UpdatedAt = store.FromMicros(created), store.FromMicros(updated)
	return p, nil
}

// load reads a payment; with tx on PostgreSQL it locks the row.
func (s *Service) load(ctx context.Context, q store.Querier, where string, args ...any) (Payment, error) {
	query := `SELECT ` + paymentCols + ` FROM payments WHERE ` + where
	if _, isTx := q.(*store.Tx); isTx && q.Engine() == store.Postgres {
		query += ` FOR UPDATE`
	}
	return scanPayment(q.QueryRow(ctx, query, args...))
}

// Get reads one of buyerID's payments.
func (s *Service) Get(ctx context.Context, buyerID, paymentID string) (Payment, error) {
	return s.load(ctx, s.db, `id = ? AND buyer_id = ?`, paymentID, buyerID)
}

// Provider keys, derived from the payment so that every retry repeats
// the same call.
func (p Payment) authKey() string    { return p.ID + ":authorize" }
func (p Payment) captureKey() string { return p.ID + ":capture" }
func (p Payment) voidKey() string    { return p.ID + ":void" }

// requestHash binds an idempotency key to what it paid.
func requestHash(checkoutID string, a money.Amount) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "citadel payment v1\x00%s\x00%d\x00%s", checkoutID, a.Minor, a.Currency))
	return h[:]
}

func (s *Service) record(ctx context.Context, tx *store.Tx, actor, action, object string, detail map[string]string) error {
	if s.cfg.Record == nil {
		return nil
	}
	return s.cfg.Record(ctx, tx, actor, action, object, detail)
}
