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

// release credits the merchant with what the hold still holds, less the
// platform fee, and closes the hold.
func (s *Service) release(ctx context.Context, tx *store.Tx, h Hold, actor, why string) (money.Amount, error) {
	gross := h.Remaining()
	if !h.Open || gross.Minor <= 0 {
		return money.Amount{}, ErrNotReleasable
	}
	fee, err := gross.Rate(s.cfg.FeeBPS)
	if err != nil {
		return money.Amount{}, err
	}
	net, err := gross.Sub(fee)
	if err != nil {
		return money.Amount{}, err
	}
	c := gross.Currency
	e := money.Entry{Kind: "release", OrderID: h.OrderID, Ref: h.PaymentID, Memo: why, At: s.now(), Lines: []money.Line{
		{Account: money.EscrowAccount(c), Amount: money.New(-gross.Minor, c)},
	}}
	if net.Minor > 0 {
		e.Lines = append(e.Lines, money.Line{Account: money.MerchantPayableAccount(h.MerchantID, c), Amount: net})
	}
	if fee.Minor > 0 {
		e.Lines = append(e.Lines, money.Line{Account: money.PlatformFeesAccount(c), Amount: fee})
	}
	if _, err := money.Post(ctx, tx, e); err != nil {
		return money.Amount{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE escrow_holds SET released = released + ?, fee = fee + ?, status = 'closed', closed_at = ?
		WHERE order_id = ?`, gross.Minor, fee.Minor, store.Micros(s.now()), h.OrderID); err != nil {
		return money.Amount{}, err
	}
	return net, s.record(ctx, tx, actor, "escrow.release", h.OrderID, map[string]string{
		"merchant": h.MerchantID, "gross": gross.String(), "fee": fee.String(), "reason": why,
	})
}

// refund moves amount of the hold to the refunds account and queues its
// refund to the card; it closes the hold when nothing is left.
func (s *Service) refund(ctx context.Context, tx *store.Tx, h *Hold, amount money.Amount, actor, why string) (string, error) {
	left := h.Remaining()
	if !h.Open || amount.Currency != left.Currency || amount.Minor <= 0 || amount.Minor > left.Minor {
		return "", fmt.Errorf("%w: %s asked, %s left", ErrRefundTooLarge, amount, left)
	}
	rid, err := s.refunds.QueueRefundTx(ctx, tx, h.PaymentID, h.OrderID, amount, why)
	if err != nil {
		return "", err
	}
	e := money.Move("refund", money.EscrowAccount(amount.Currency), money.RefundsAccount(amount.Currency), amount)
	e.OrderID, e.Ref, e.Memo, e.At = h.OrderID, rid, why, s.now()
	if _, err := money.Post(ctx, tx, e); err != nil {
		return "", err
	}
	h.Refunded.Minor += amount.Minor
	status, closedAt := "open", any(nil)
	if h.Remaining().Minor == 0 {
		status, closedAt, h.Open = "closed", store.Micros(s.now()), false
	}
	if _, err := tx.Exec(ctx, `UPDATE escrow_holds SET refunded = refunded + ?, status = ?, closed_at = COALESCE(?, closed_at)
		WHERE order_id = ?`, amount.Minor, status, closedAt, h.OrderID); err != nil {
		return "", err
	}
	return rid, s.record(ctx, tx, actor, "escrow.refund", h.OrderID, map[string]string{
		"refund": rid, "amount": amount.String(), "reason": why,
	})
}

// Confirm is the buyer confirming delivery: the order becomes completed
// and its money is released to the merchant, less the fee. A disputed
// order is ErrDisputed; one not delivered yet is ErrNotReleasable;
// another buyer's is ErrNotFound.
func (s *Service) Confirm(ctx context.Context, buyerID, orderID string) (money.Amount, error) {
	var net money.Amount
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		o, err := s.orders.ForUpdate(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if o.BuyerID != buyerID {
			return ErrNotFound
		}
		switch o.Status {
		case order.Disputed:
			return ErrDisputed
		case order.Delivered:
		default:
			return fmt.Errorf("%w: the order is %s", ErrNotReleasable, o.Status)
		}
		h, err := lockHold(ctx, tx, orderID, true)
		if err != nil {
			return err
		}
		if _, err := s.orders.TransitionTx(ctx, tx, orderID, order.Actor{ID: buyerID, Kind: order.ByBuyer},
			order.Change{To: order.Completed, Note: "delivery confirmed by the buyer"}); err != nil {
			return err
		}
		net, err = s.release(ctx, tx, h, buyerID, "delivery confirmed by the buyer")
		return err
	})
	return net, err
}

// deliveredAt is when the order last became delivered.
func deliveredAt(ctx context.Context, q store.Querier, orderID string) (time.Time, error) {
	var at sql.NullInt64
	err := q.QueryRow(ctx, `SELECT MAX(at) FROM order_events WHERE order_id = ? AND to_status = ?`, orderID,
		string(order.Delivered)).Scan(&at)
	if err != nil || !at.Valid {
		return time.Time{}, errors.Join(err, ErrNotReleasable)
	}
	return store.FromMicros(at.Int64), nil
}

// ReleaseDue releases every delivered order whose release period has
// passed at now without a dispute, completing it as the system, one order
// per transaction (a dispute or confirmation arriving meanwhile wins or
// loses cleanly against the row lock). The application runs it every few
// minutes; it returns how many it released.
func (s *Service) ReleaseDue(ctx context.Context, now time.Time) (int, error) {
	cutoff := store.Micros(now.Add(-s.cfg.ReleaseAfter))
	n := 0
	for {
		rows, err := s.db.Query(ctx, `SELECT o.id FROM orders o JOIN escrow_holds h ON h.order_id = o.id
			WHERE o.status = ? AND h.status = 'open'
			  AND (SELECT MAX(e.at) FROM order_events e WHERE e.order_id = o.id AND e.to_status = ?) <= ?
			ORDER BY o.id LIMIT 100`, string(order.Delivered), string(order.Delivered), cutoff)
		if err != nil {
			return n, err
		}
		var due []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return n, err
			}
			due = append(due, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		released := 0
		for _, id := range due {
			did := false
			err := s.db.Tx(ctx, func(tx *store.Tx) error {
				did = false
				o, err := s.orders.ForUpdate(ctx, tx, id)
				if err != nil || o.Status != order.Delivered {
					return err // disputed or confirmed meanwhile
				}
				at, err := deliveredAt(ctx, tx, id)
				if err != nil || store.Micros(at) > cutoff {
					return err
				}
				h, err := lockHold(ctx, tx, id, true)
				if err != nil {
					return err
				}
				if _, err := s.orders.TransitionTx(ctx, tx, id, order.System,
					order.Change{To: order.Completed, Note: "released automatically after the dispute window"}); err != nil {
					return err
				}
				_, err = s.release(ctx, tx, h, order.System.ID, "no dispute within the release period")
				did = err == nil
				return err
			})
			if err != nil {
				return n, fmt.Errorf("escrow: release %s: %w", id, err)
			}
			if did {
				n++
				released++
			}
		}
		if len(due) < 100 || released == 0 {
			return n, nil
		}
	}
}
