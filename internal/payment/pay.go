package payment

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
)

// PayRequest is a buyer's confirmation of payment for a checkout.
type PayRequest struct {
	BuyerID    string       // the signed-in buyer: only their checkout can be paid
	CheckoutID string       // pays every order of the checkout still waiting for payment
	Amount     money.Amount // the total the buyer was shown and confirmed
	// Card is a new card, tokenized at once; or Token is one of the
	// buyer's stored cards. Exactly one.
	Card  *CardInput
	Token Token
	// CVV goes to this authorisation only, never to storage. A repeat
	// with the same key may leave it empty.
	CVV string
	// IdempotencyKey makes a repeated confirmation one payment: 1 to 200
	// printable ASCII characters, unique per buyer.
	IdempotencyKey string
	// OIHash and PIHash are the SET-style hashes of the order information
	// and payment instruction the buyer signed (optional, 32 bytes each);
	// kept on the payment and handed to Config.OnCaptured.
	OIHash, PIHash []byte
}

func (r PayRequest) validate() error {
	switch {
	case r.BuyerID == "":
		return &FieldError{"buyer", "sign in to pay"}
	case !ids.Valid("chk", r.CheckoutID):
		return &FieldError{"checkout", "no such checkout"}
	case !r.Amount.Currency.Valid() || r.Amount.Minor <= 0:
		return &FieldError{"amount", "give the amount to pay"}
	case (r.Card == nil) == (r.Token == ""):
		return &FieldError{"card", "give a card or a stored card"}
	case len(r.IdempotencyKey) < 1 || len(r.IdempotencyKey) > 200 ||
		strings.ContainsFunc(r.IdempotencyKey, func(c rune) bool { return c < 0x21 || c > 0x7e }):
		return &FieldError{"idempotency_key", "1 to 200 printable ASCII characters"}
	case (r.OIHash != nil && len(r.OIHash) != 32) || (r.PIHash != nil && len(r.PIHash) != 32):
		return &FieldError{"evidence", "hashes are 32 bytes"}
	}
	return nil
}

// Pay pays the checkout's orders that wait for payment, in one
// authorisation and capture, and books it: in one transaction the orders
// become paid, escrow holds their totals (a ledger entry from the buyer's
// funding account to escrow) and an audit event is written.
//
// The same key again returns the same payment (finishing it if its last
// answer was lost) and moves nothing twice. A payment waiting for 3-D
// Secure returns with StatusChallenge and a ChallengeID; the buyer
// authenticates and CompleteChallenge goes on. Errors: *FieldError, the
// card errors (ErrInvalidCard, ErrExpiredCard...), ErrNotFound,
// ErrAmountMismatch, ErrCurrencyMismatch, ErrAlreadyPaid, ErrNotPayable,
// ErrInProgress, ErrIdempotencyConflict, *DeclineError, ErrPending,
// ErrFailed.
func (s *Service) Pay(ctx context.Context, r PayRequest) (Payment, error) {
	if err := r.validate(); err != nil {
		return Payment{}, err
	}
	var pan PAN
	var expYear int
	if r.Card != nil {
		var err error
		if pan, expYear, err = s.vault.check(*r.Card); err != nil {
			return Payment{}, err
		}
	}
	if r.CVV != "" {
		b := pan.Brand()
		if r.Card == nil {
			info, err := s.vault.Info(ctx, s.db, r.BuyerID, r.Token)
			if err != nil {
				return Payment{}, err
			}
			b = info.Brand
		}
		if err := checkCVV(r.CVV, b); err != nil {
			return Payment{}, err
		}
	}
	for attempt := 0; ; attempt++ {
		p, err := s.load(ctx, s.db, `buyer_id = ? AND idem_key = ?`, r.BuyerID, r.IdempotencyKey)
		if err == nil {
			var h []byte
			if err := s.db.QueryRow(ctx, `SELECT request_hash FROM payments WHERE id = ?`, p.ID).Scan(&h); err != nil {
				return Payment{}, err
			}
			if !bytes.Equal(h, requestHash(r.CheckoutID, r.Amount)) {
				return Payment{}, ErrIdempotencyConflict
			}
			return s.advance(ctx, p, r.CVV)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return Payment{}, err
		}
		if r.CVV == "" {
			return Payment{}, ErrBadCVV
		}
		p, err = s.start(ctx, r, pan, expYear)
		if store.IsUniqueViolation(err) && attempt == 0 {
			continue // the same key won a race, or another payment of the checkout is live
		}
		if store.IsUniqueViolation(err) {
			return Payment{}, ErrInProgress
		}
		if err != nil {
			return Payment{}, err
		}
		return s.advance(ctx, p, r.CVV)
	}
}

// start checks the checkout and writes the payment, in state
// authorising, with its card in the vault.
func (s *Service) start(ctx context.Context, r PayRequest, pan PAN, expYear int) (Payment, error) {
	var p Payment
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		orders, err := s.payable(ctx, tx, r.BuyerID, r.CheckoutID)
		if err != nil {
			return err
		}
		total, err := money.Sum(orders[0].Total.Currency)
		if err != nil {
			return err
		}
		for _, o := range orders {
			if total, err = total.Add(o.Total); err != nil {
				return ErrCurrencyMismatch
			}
		}
		if r.Amount.Currency != total.Currency {
			return ErrCurrencyMismatch
		}
		if r.Amount.Minor != total.Minor {
			return ErrAmountMismatch
		}
		tok, info := r.Token, CardInfo{}
		if r.Card != nil {
			tok, info, err = s.vault.store(ctx, tx, r.BuyerID, pan, r.Card.ExpMonth, expYear, r.Card.Holder)
		} else {
			info, err = s.vault.Info(ctx, tx, r.BuyerID, r.Token)
			if err == nil {
				_, err = checkExpiry(info.ExpMonth, info.ExpYear, s.now())
			}
		}
		if err != nil {
			return err
		}
		now := s.now()
		p = Payment{ID: ids.New("pay"), BuyerID: r.BuyerID, CheckoutID: r.CheckoutID, Status: StatusAuthorising, Amount: total,
			Provider: s.prov.Name(), Card: CardInfo{Brand: info.Brand, Last4: info.Last4}, CreatedAt: now, UpdatedAt: now, token: tok}
		for _, o := range orders {
			p.OrderIDs = append(p.OrderIDs, o.ID)
		}
		_, err = tx.Exec(ctx, `INSERT INTO payments (id, buyer_id, checkout_id, idem_key, request_hash, status, amount, currency,
				order_ids, provider, card_token, card_brand, card_last4, oi_hash, pi_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.BuyerID, p.CheckoutID, r.IdempotencyKey, requestHash(r.CheckoutID, r.Amount), string(p.Status),
			p.Amount.Minor, string(p.Amount.Currency), strings.Join(p.OrderIDs, " "), p.Provider, string(tok),
			string(info.Brand), info.Last4, r.OIHash, r.PIHash, store.Micros(now), store.Micros(now))
		return err
	})
	p.CreatedAt, p.UpdatedAt = store.FromMicros(store.Micros(p.CreatedAt)), store.FromMicros(store.Micros(p.UpdatedAt))
	return p, err
}

// payable locks and returns the checkout's orders waiting for payment,
// in ID order. Another buyer's checkout is ErrNotFound.
func (s *Service) payable(ctx context.Context, tx *store.Tx, buyerID, checkoutID string) ([]order.Order, error) {
	all, err := s.orders.CheckoutOrders(ctx, tx, checkoutID)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 || slices.ContainsFunc(all, func(o order.Order) bool { return o.BuyerID != buyerID }) {
		return nil, ErrNotFound
	}
	slices.SortFunc(all, func(a, b order.Order) int { return strings.Compare(a.ID, b.ID) })
	var out []order.Order
	paid := false
	for _, o := range all {
		if o.Status == order.PendingPayment {
			// Lock, and read the status again: a concurrent payment may
			// have paid it while we waited for the lock.
			if o, err = s.orders.ForUpdate(ctx, tx, o.ID); err != nil {
				return nil, err
			}
		}
		switch {
		case o.Status == order.PendingPayment && s.now().Before(o.ExpiresAt):
			out = append(out, o)
		case o.Status != order.PendingPayment && o.Status != order.Cancelled:
			paid = true
		}
	}
	switch {
	case len(out) > 0:
		return out, nil
	case paid:
		return nil, ErrAlreadyPaid
	}
	return nil, ErrNotPayable
}
