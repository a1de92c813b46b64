package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// ErrRefundTooLarge: a refund would return more than the payment's
// capture less what was already refunded. Nothing moved. Answer 409.
var ErrRefundTooLarge = errors.New("the refund is larger than what was paid")

// QueueRefundTx records inside tx that amount of a captured payment goes
// back to the buyer's card (for orderID, or "" for the whole payment) and
// returns the refund's ID. The caller posts the ledger entry that moves
// the amount into the refunds account in the same transaction, and calls
// SendRefund after commit (Reconcile sends any it missed).
func (s *Service) QueueRefundTx(ctx context.Context, tx *store.Tx, paymentID, orderID string, amount money.Amount, reason string) (string, error) {
	p, err := s.load(ctx, tx, `id = ?`, paymentID)
	if err != nil {
		return "", err
	}
	if p.Status != StatusCaptured {
		return "", fmt.Errorf("%w: payment %s is %s", ErrRefundTooLarge, p.ID, p.Status)
	}
	return s.queueRefund(ctx, tx, p, orderID, amount, reason)
}

func (s *Service) queueRefund(ctx context.Context, tx *store.Tx, p Payment, orderID string, amount money.Amount, reason string) (string, error) {
	if amount.Currency != p.Amount.Currency || amount.Minor <= 0 {
		return "", fmt.Errorf("%w: %s on a payment of %s", ErrRefundTooLarge, amount, p.Amount)
	}
	var done int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM payment_refunds WHERE payment_id = ?`, p.ID).Scan(&done); err != nil {
		return "", err
	}
	if done+amount.Minor > p.Amount.Minor {
		return "", fmt.Errorf("%w: %s with %s of %s refunded", ErrRefundTooLarge, amount,
			money.New(done, amount.Currency), p.Amount)
	}
	id := ids.New("rfd")
	var oid any
	if orderID != "" {
		oid = orderID
	}
	now := store.Micros(s.now())
	_, err := tx.Exec(ctx, `INSERT INTO payment_refunds (id, payment_id, order_id, amount, currency, status, reason, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`, id, p.ID, oid, amount.Minor, string(amount.Currency), reason, now, now)
	return id, err
}

// sendRefunds sends every pending refund of a payment.
func (s *Service) sendRefunds(ctx context.Context, paymentID string) error {
	rows, err := s.db.Query(ctx, `SELECT id FROM payment_refunds WHERE payment_id = ? AND status = 'pending' ORDER BY id`, paymentID)
	if err != nil {
		return err
	}
	var pending []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		pending = append(pending, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range pending {
		if err := s.SendRefund(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// SendRefund asks the provider to pay a queued refund, with the refund's
// ID as idempotency key, and books it (refunds account to the buyer's
// funding account). A sent refund is left alone; a lost answer is
// ErrPending and the refund stays queued for a retry or Reconcile.
func (s *Service) SendRefund(ctx context.Context, refundID string) error {
	var paymentID, status, orderID string
	var minor int64
	err := s.db.QueryRow(ctx, `SELECT payment_id, status, amount, COALESCE(order_id, '') FROM payment_refunds WHERE id = ?`, refundID).
		Scan(&paymentID, &status, &minor, &orderID)
	if err != nil {
		return store.NotFound(err)
	}
	if status != "pending" {
		return nil
	}
	p, err := s.load(ctx, s.db, `id = ?`, paymentID)
	if err != nil {
		return err
	}
	amount := money.New(minor, p.Amount.Currency)
	ref, err := s.prov.Refund(ctx, p.CaptureID, amount, refundID)
	if errors.Is(err, ErrTimeout) {
		return ErrPending
	}
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE payment_refunds SET status = 'sent', provider_ref = ?, updated_at = ?
			WHERE id = ? AND status = 'pending'`, ref, store.Micros(s.now()), refundID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err // sent meanwhile by another caller
		}
		cur := amount.Currency
		e := money.Move("refund_paid", money.RefundsAccount(cur), money.BuyerFundingAccount(p.BuyerID, cur), amount)
		e.At = s.now()
		e.Ref, e.OrderID, e.Memo = refundID, orderID, "refund sent to "+string(p.Card.Brand)+" "+p.Card.Last4
		if _, err := money.Post(ctx, tx, e); err != nil {
			return err
		}
		return s.record(ctx, tx, "system", "payment.refund_sent", refundID, map[string]string{
			"payment": p.ID, "order": orderID, "amount": amount.String(), "provider_ref": ref,
		})
	})
}
