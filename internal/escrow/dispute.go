package escrow

import (
	"context"
	"fmt"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
)

// OpenDispute is the buyer disputing a paid order before its money is
// released: paid, accepted or shipped, or delivered less than the release
// period ago. The order becomes disputed and its money stays frozen in
// escrow until Resolve. Later is ErrWindowClosed; reason is required
// (order's *ValidationError otherwise).
func (s *Service) OpenDispute(ctx context.Context, buyerID, orderID, reason string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		o, err := s.orders.ForUpdate(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if o.BuyerID != buyerID {
			return ErrNotFound
		}
		switch o.Status {
		case order.Paid, order.Accepted, order.Shipped:
		case order.Delivered:
			at, err := deliveredAt(ctx, tx, orderID)
			if err != nil {
				return err
			}
			if !s.now().Before(at.Add(s.cfg.ReleaseAfter)) {
				return ErrWindowClosed
			}
		case order.Disputed:
			return ErrDisputed
		default:
			return ErrWindowClosed
		}
		h, err := lockHold(ctx, tx, orderID, true)
		if err != nil {
			return err
		}
		if !h.Open {
			return ErrWindowClosed
		}
		if _, err := s.orders.TransitionTx(ctx, tx, orderID, order.Actor{ID: buyerID, Kind: order.ByBuyer},
			order.Change{To: order.Disputed, Note: reason}); err != nil {
			return err
		}
		return s.record(ctx, tx, buyerID, "escrow.freeze", orderID, map[string]string{"held": h.Remaining().String()})
	})
}

// Decision is how support resolves a dispute.
type Decision string

const (
	RefundInFull  Decision = "refund"         // everything held goes back to the buyer; the order is refunded
	RefundPartly  Decision = "partial_refund" // Amount goes back, the rest is released; the order is completed
	ReleaseToShop Decision = "release"        // everything held goes to the merchant; the order is completed
)

// Resolution is support's decision on a dispute.
type Resolution struct {
	Decision Decision
	Amount   money.Amount // with RefundPartly: at most what is held
	Note     string       // the reason, kept in the order's history
}

// Outcome is what a decision moved.
type Outcome struct {
	Refunded money.Amount // to the buyer's card
	Released money.Amount // to the merchant, after the fee
	RefundID string       // the queued refund, if any
	Sent     bool         // whether the provider has confirmed the refund yet (Reconcile retries)
}

// Resolve applies a decision to a disputed order, in one transaction
// with its ledger entries, then sends the refund to the card. Support
// takes every decision; the order's merchant may concede a full refund.
// A refund larger than what is held is ErrRefundTooLarge; an order not
// under dispute is ErrNotDisputed. Nothing moves on error.
func (s *Service) Resolve(ctx context.Context, a order.Actor, orderID string, r Resolution) (Outcome, error) {
	switch {
	case a.Kind == order.BySupport && a.ID != "":
	case a.Kind == order.ByMerchant && r.Decision == RefundInFull:
	default:
		return Outcome{}, ErrForbidden
	}
	var out Outcome
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		out = Outcome{}
		o, err := s.orders.ForUpdate(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if a.Kind == order.ByMerchant && o.MerchantID != a.MerchantID {
			return ErrNotFound
		}
		if o.Status != order.Disputed {
			return ErrNotDisputed
		}
		h, err := lockHold(ctx, tx, orderID, true)
		if err != nil {
			return err
		}
		left := h.Remaining()
		to := order.Completed
		switch r.Decision {
		case RefundInFull:
			out.RefundID, err = s.refund(ctx, tx, &h, left, actorID(a), "dispute: full refund")
			out.Refunded, to = left, order.Refunded
		case RefundPartly:
			if r.Amount.Currency != left.Currency || r.Amount.Minor <= 0 {
				return fmt.Errorf("%w: %s of %s held", ErrRefundTooLarge, r.Amount, left)
			}
			if out.RefundID, err = s.refund(ctx, tx, &h, r.Amount, actorID(a), "dispute: partial refund"); err != nil {
				return err
			}
			out.Refunded = r.Amount
			if h.Open {
				out.Released, err = s.release(ctx, tx, h, actorID(a), "dispute: released after partial refund")
			} else {
				to = order.Refunded
			}
		case ReleaseToShop:
			out.Released, err = s.release(ctx, tx, h, actorID(a), "dispute: released to the merchant")
		default:
			return fmt.Errorf("escrow: unknown decision %q", r.Decision)
		}
		if err != nil {
			return err
		}
		_, err = s.orders.TransitionTx(ctx, tx, orderID, a, order.Change{To: to, Note: r.Note})
		return err
	})
	if err != nil {
		return Outcome{}, err
	}
	return s.send(ctx, out)
}

// RefundOrder refunds in full an order that is paid but not disputed and
// not yet released (a merchant cancelling after payment, support
// stepping in): the order becomes refunded and everything held goes back
// to the card. The order's state machine decides who may (merchant or
// support) and from which status.
func (s *Service) RefundOrder(ctx context.Context, a order.Actor, orderID, reason string) (Outcome, error) {
	var out Outcome
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		out = Outcome{}
		o, err := s.orders.ForUpdate(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if a.Kind == order.ByMerchant && o.MerchantID != a.MerchantID {
			return ErrNotFound
		}
		if o.Status == order.Disputed {
			return ErrDisputed // Resolve decides
		}
		if !order.CanTransition(o.Status, order.Refunded, a.Kind) {
			return fmt.Errorf("%w: the order is %s", order.ErrIllegalTransition, o.Status)
		}
		h, err := lockHold(ctx, tx, orderID, true)
		if err != nil {
			return err
		}
		if !h.Open {
			return fmt.Errorf("%w: its payment was released to the merchant", ErrNotReleasable)
		}
		left := h.Remaining()
		if out.RefundID, err = s.refund(ctx, tx, &h, left, actorID(a), "refund: "+reason); err != nil {
			return err
		}
		out.Refunded = left
		_, err = s.orders.TransitionTx(ctx, tx, orderID, a, order.Change{To: order.Refunded, Note: reason})
		return err
	})
	if err != nil {
		return Outcome{}, err
	}
	return s.send(ctx, out)
}

// send asks the provider to pay the outcome's refund. A lost answer is
// not an error of the decision, which is booked: the refund stays queued
// and Reconcile sends it.
func (s *Service) send(ctx context.Context, out Outcome) (Outcome, error) {
	if out.RefundID == "" {
		return out, nil
	}
	out.Sent = s.refunds.SendRefund(ctx, out.RefundID) == nil
	return out, nil
}
