package order

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/store"
)

// Change is a requested status change.
type Change struct {
	To Status
	// Note is the reason: required to cancel or open a dispute, kept in
	// the order's history (at most 500 characters).
	Note string
	// Carrier and Tracking are required to ship: short printable text.
	Carrier, Tracking string
}

func (c Change) validate() error {
	if utf8.RuneCountInString(c.Note) > 500 || !utf8.ValidString(c.Note) ||
		strings.ContainsFunc(c.Note, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
		return &ValidationError{"note", "enter at most 500 characters of text"}
	}
	if (c.To == Cancelled || c.To == Disputed) && strings.TrimSpace(c.Note) == "" {
		return &ValidationError{"note", "give a reason"}
	}
	if c.To == Shipped {
		if !printable(c.Carrier, 2, 40) {
			return &ValidationError{"carrier", "enter the carrier's name (2 to 40 characters)"}
		}
		if !printable(c.Tracking, 4, 40) || strings.ContainsAny(c.Tracking, "<>\"'&") {
			return &ValidationError{"tracking", "enter the tracking number (4 to 40 letters, digits, spaces or hyphens)"}
		}
	}
	return nil
}

// printable accepts ASCII letters, digits, spaces, hyphens and dots,
// without leading or trailing space.
func printable(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen || strings.TrimSpace(s) != s {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '-' || r == '.')
	})
}

func (a Actor) validate() error {
	switch {
	case a.Kind == BySystem:
		return nil
	case a.Kind != ByBuyer && a.Kind != ByMerchant && a.Kind != BySupport:
		return fmt.Errorf("order: unknown actor kind %q", a.Kind)
	case a.ID == "" || (a.Kind == ByMerchant && a.MerchantID == ""):
		return fmt.Errorf("order: %s actor without an ID", a.Kind)
	}
	return nil
}

// Transition changes an order's status in its own transaction. See
// TransitionTx.
func (s *Service) Transition(ctx context.Context, orderID string, a Actor, c Change) (Order, error) {
	var o Order
	err := s.db.Tx(ctx, func(tx *store.Tx) (err error) {
		o, err = s.TransitionTx(ctx, tx, orderID, a, c)
		return err
	})
	return o, err
}

// TransitionTx changes an order's status inside tx, as actor a. A buyer
// reaches only their own orders and a merchant only theirs (others are
// ErrNotFound); a change the table does not allow from the current
// status for a's kind is ErrIllegalTransition; a missing reason, carrier
// or tracking number is a *ValidationError. In the same transaction it
// releases or ships the order's stock, appends to the order's history and
// records an audit event. It returns the order as changed (lines, no
// address or events).
func (s *Service) TransitionTx(ctx context.Context, tx *store.Tx, orderID string, a Actor, c Change) (Order, error) {
	if err := a.validate(); err != nil {
		return Order{}, err
	}
	where, args := `id = ?`, []any{orderID}
	switch a.Kind {
	case ByBuyer:
		where, args = where+` AND buyer_id = ?`, append(args, a.ID)
	case ByMerchant:
		where, args = where+` AND merchant_id = ?`, append(args, a.MerchantID)
	}
	o, err := s.load(ctx, tx, true, where, args...)
	if err != nil {
		return Order{}, err
	}
	from := o.Status
	if !CanTransition(from, c.To, a.Kind) {
		return Order{}, fmt.Errorf("%w: %s to %s by %s", ErrIllegalTransition, from, c.To, a.Kind)
	}
	if err := c.validate(); err != nil {
		return Order{}, err
	}
	if err := s.moveStock(ctx, tx, &o, c.To); err != nil {
		return Order{}, err
	}
	now := s.now()
	o.Status, o.UpdatedAt, o.ExpiresAt = c.To, store.FromMicros(store.Micros(now)), time.Time{}
	if c.To == Shipped {
		o.Carrier, o.Tracking = c.Carrier, c.Tracking
	}
	if c.To == Cancelled {
		o.CancelReason = c.Note
	}
	res, err := tx.Exec(ctx, `UPDATE orders SET status = ?, stock_state = ?, expires_at = NULL,
			carrier = NULLIF(?, ''), tracking = NULLIF(?, ''), cancel_reason = NULLIF(?, ''), updated_at = ?
		WHERE id = ? AND status = ?`,
		string(o.Status), o.stock, o.Carrier, o.Tracking, o.CancelReason, store.Micros(now), o.ID, string(from))
	if err != nil {
		return Order{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		// Only without the row lock (SQLite holds the write lock instead).
		return Order{}, fmt.Errorf("%w: the order changed meanwhile", ErrIllegalTransition)
	}
	if _, err := s.addEvent(ctx, tx, o.ID, from, c.To, a, c.Note, now); err != nil {
		return Order{}, err
	}
	actor := a.ID
	if a.Kind == BySystem {
		actor = System.ID
	}
	return o, s.record(ctx, tx, actor, "order."+string(c.To), o.ID, map[string]string{
		"from": string(from), "to": string(c.To), "by": string(a.Kind), "merchant": o.MerchantID,
	})
}

// moveStock applies what reaching to means for the order's reserved
// stock: shipping takes it out of the warehouse, an unshipped end
// returns it to sale.
func (s *Service) moveStock(ctx context.Context, tx *store.Tx, o *Order, to Status) error {
	allocs := make([]inventory.Allocation, len(o.Lines))
	for i, l := range o.Lines {
		allocs[i] = inventory.Allocation{VariantID: l.VariantID, WarehouseID: l.WarehouseID, Quantity: l.Quantity}
	}
	switch {
	case to == Shipped && o.stock == stockReserved:
		o.stock = stockShipped
		return s.inv.Ship(ctx, tx, allocs)
	case to == Shipped:
		return fmt.Errorf("order %s: shipping with stock %s", o.ID, o.stock)
	case releasesStock(to) && o.stock == stockReserved:
		o.stock = stockReleased
		return s.inv.Release(ctx, tx, allocs)
	}
	return nil
}

// Cancel cancels an order with a reason, releasing its stock if it has
// not shipped.
func (s *Service) Cancel(ctx context.Context, orderID string, a Actor, reason string) (Order, error) {
	return s.Transition(ctx, orderID, a, Change{To: Cancelled, Note: reason})
}

// Ship marks an accepted order shipped by its merchant, with the carrier
// and tracking number, and takes its stock out of the warehouses.
func (s *Service) Ship(ctx context.Context, orderID string, a Actor, carrier, tracking string) (Order, error) {
	return s.Transition(ctx, orderID, a, Change{To: Shipped, Carrier: carrier, Tracking: tracking})
}

// MarkPaid records inside tx that an order was paid: pending_payment to
// paid, by the system. An order past its payment window is ErrExpired
// even if expiry has not cancelled it yet; a cancelled or already paid
// one is ErrIllegalTransition. ref (the payment's ID) goes into the
// order's history.
func (s *Service) MarkPaid(ctx context.Context, tx *store.Tx, orderID, ref string) (Order, error) {
	o, err := s.ForUpdate(ctx, tx, orderID)
	if err != nil {
		return Order{}, err
	}
	if o.Status == PendingPayment && !s.now().Before(o.ExpiresAt) {
		return Order{}, ErrExpired
	}
	return s.TransitionTx(ctx, tx, orderID, System, Change{To: Paid, Note: "payment " + ref})
}

// ExpireUnpaid cancels every order still waiting for payment after its
// payment window, releasing its stock, one order per transaction (so a
// payment arriving meanwhile wins or loses cleanly against the lock). The
// application runs it every minute or so.
func (s *Service) ExpireUnpaid(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		rows, err := s.db.Query(ctx, `SELECT id FROM orders WHERE status = ? AND expires_at <= ?
			ORDER BY expires_at, id LIMIT 100`, string(PendingPayment), store.Micros(now))
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
		if len(due) == 0 {
			return n, nil
		}
		for _, id := range due {
			expired := false
			err := s.db.Tx(ctx, func(tx *store.Tx) error {
				o, err := s.ForUpdate(ctx, tx, id)
				expired = false
				if err != nil || o.Status != PendingPayment || o.ExpiresAt.After(now) {
					return err // paid or cancelled meanwhile: nothing to do
				}
				_, err = s.TransitionTx(ctx, tx, id, System, Change{To: Cancelled, Note: "payment window expired"})
				expired = err == nil
				return err
			})
			if err != nil && !errors.Is(err, ErrNotFound) {
				return n, err
			}
			if err == nil && expired {
				n++
			}
		}
		if len(due) < 100 {
			return n, nil
		}
	}
}
