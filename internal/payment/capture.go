package payment

import (
	"context"
	"errors"

	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
)

// errUnpayable rolls back a booking whose orders went away after capture.
var errUnpayable = errors.New("payment: orders no longer payable")

// capture takes the money and books it.
func (s *Service) capture(ctx context.Context, p Payment) (Payment, error) {
	capID, err := s.prov.Capture(ctx, p.AuthID, p.Amount, p.captureKey())
	switch {
	case errors.Is(err, ErrTimeout):
		return p, ErrPending
	case errors.Is(err, ErrProviderRefused):
		p.Status, p.DeclineCode = StatusFailed, "capture_refused"
		err = s.db.Tx(ctx, func(tx *store.Tx) error {
			if err := s.setStatus(ctx, tx, &p, StatusCapturing); err != nil {
				return err
			}
			return s.record(ctx, tx, "system", "payment.failed", p.ID, map[string]string{"reason": "capture refused"})
		})
		return p, err
	case err != nil:
		return p, err
	}
	p.CaptureID = capID
	booked := p
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		booked = p
		return s.book(ctx, tx, &booked)
	})
	if errors.Is(err, errUnpayable) {
		booked = p
		err = s.db.Tx(ctx, func(tx *store.Tx) error {
			booked = p
			return s.startReversal(ctx, tx, &booked)
		})
	}
	return booked, err
}

// book marks the orders paid, places the money in escrow and marks the
// payment captured, in one transaction.
func (s *Service) book(ctx context.Context, tx *store.Tx, p *Payment) error {
	ok, err := s.stillPayable(ctx, tx, *p)
	if err != nil {
		return err
	}
	if !ok {
		return errUnpayable
	}
	p.Status = StatusCaptured
	if err := s.setStatus(ctx, tx, p, StatusCapturing); err != nil {
		return err
	}
	orders := make([]order.Order, 0, len(p.OrderIDs))
	for _, id := range p.OrderIDs {
		o, err := s.orders.MarkPaid(ctx, tx, id, p.ID)
		if errors.Is(err, order.ErrExpired) || errors.Is(err, order.ErrIllegalTransition) {
			return errUnpayable
		}
		if err != nil {
			return err
		}
		orders = append(orders, o)
	}
	if err := escrow.Fund(ctx, tx, escrow.Funding{PaymentID: p.ID, BuyerID: p.BuyerID, Orders: orders, At: s.now()}); err != nil {
		return err
	}
	if err := s.record(ctx, tx, "system", "payment.captured", p.ID, map[string]string{
		"checkout": p.CheckoutID, "amount": p.Amount.String(), "card": string(p.Card.Brand) + " " + p.Card.Last4,
		"provider": p.Provider, "capture": p.CaptureID,
	}); err != nil {
		return err
	}
	if s.cfg.OnCaptured == nil {
		return nil
	}
	c := Booked{Payment: *p, Orders: orders, Token: p.token}
	if err := tx.QueryRow(ctx, `SELECT oi_hash, pi_hash FROM payments WHERE id = ?`, p.ID).Scan(&c.OIHash, &c.PIHash); err != nil {
		return err
	}
	return s.cfg.OnCaptured(ctx, tx, c)
}

// startReversal books money captured for orders that can no longer be
// paid as owed back to the card (buyer funding to refunds) and queues its
// refund.
func (s *Service) startReversal(ctx context.Context, tx *store.Tx, p *Payment) error {
	p.Status = StatusReversing
	if err := s.setStatus(ctx, tx, p, StatusCapturing); err != nil {
		return err
	}
	cur := p.Amount.Currency
	e := money.Move("capture_unapplied", money.BuyerFundingAccount(p.BuyerID, cur), money.RefundsAccount(cur), p.Amount)
	e.At = s.now()
	e.Ref, e.Memo = p.ID, "captured after its orders were cancelled or expired: refunded in full"
	if _, err := money.Post(ctx, tx, e); err != nil {
		return err
	}
	if _, err := s.queueRefund(ctx, tx, *p, "", p.Amount, "orders no longer payable"); err != nil {
		return err
	}
	return s.record(ctx, tx, "system", "payment.reverse", p.ID, map[string]string{"amount": p.Amount.String()})
}

// reverse sends a reversing payment's refunds and closes it.
func (s *Service) reverse(ctx context.Context, p Payment) (Payment, error) {
	if err := s.sendRefunds(ctx, p.ID); err != nil {
		return p, err
	}
	p.Status = StatusReversed
	err := s.db.Tx(ctx, func(tx *store.Tx) error { return s.setStatus(ctx, tx, &p, StatusReversing) })
	return p, err
}

var _ escrow.Refunder = (*Service)(nil)
