package cart

import (
	"context"
	"database/sql"
	"errors"

	"github.com/citadel-store/citadel/internal/store"
)

// Add puts qty units of a variant in the owner's cart, creating the cart
// if need be; a variant already there has its quantity increased, capped
// at MaxQuantity, and its shown price updated to the current one. The
// variant, its product and its merchant must be active.
func (s *Service) Add(ctx context.Context, owner, variantID string, qty int) error {
	if err := validOwner(owner); err != nil {
		return err
	}
	if err := validQuantity(qty); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		var price int64
		var cur string
		var active bool
		err := tx.QueryRow(ctx, `SELECT v.price_minor, v.currency,
			v.status = 'active' AND p.status = 'active' AND m.status = 'active'
			FROM variants v JOIN products p ON p.id = v.product_id JOIN merchants m ON m.id = p.merchant_id
			WHERE v.id = ?`, variantID).Scan(&price, &cur, &active)
		if err != nil {
			return store.NotFound(err)
		}
		if !active {
			return ErrUnavailable
		}
		cartID, err := s.ensureCart(ctx, tx, owner)
		if err != nil {
			return err
		}
		now := store.Micros(s.now())
		var have int
		err = tx.QueryRow(ctx, `SELECT quantity FROM cart_items WHERE cart_id = ? AND variant_id = ?`, cartID, variantID).Scan(&have)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			var lines int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM cart_items WHERE cart_id = ?`, cartID).Scan(&lines); err != nil {
				return err
			}
			if lines >= MaxLines {
				return ErrCartFull
			}
			_, err = tx.Exec(ctx, `INSERT INTO cart_items (cart_id, variant_id, quantity, seen_price, seen_currency, added_at)
				VALUES (?, ?, ?, ?, ?, ?)`, cartID, variantID, qty, price, cur, now)
		case err == nil:
			_, err = tx.Exec(ctx, `UPDATE cart_items SET quantity = ?, seen_price = ?, seen_currency = ?
				WHERE cart_id = ? AND variant_id = ?`, min(have+qty, MaxQuantity), price, cur, cartID, variantID)
		}
		if err != nil {
			return err
		}
		return touch(ctx, tx, cartID, now)
	})
}

// SetQuantity sets a line's quantity; 0 removes the line. A variant not
// in the cart is ErrNotFound.
func (s *Service) SetQuantity(ctx context.Context, owner, variantID string, qty int) error {
	if err := validOwner(owner); err != nil {
		return err
	}
	if qty == 0 {
		return s.remove(ctx, owner, variantID, true)
	}
	if err := validQuantity(qty); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		cartID, err := lockCart(ctx, tx, owner)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE cart_items SET quantity = ? WHERE cart_id = ? AND variant_id = ?`, qty, cartID, variantID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return ErrNotFound
		}
		return touch(ctx, tx, cartID, store.Micros(s.now()))
	})
}

// Remove takes a variant out of the cart; removing one that is not there
// is not an error (a repeated click).
func (s *Service) Remove(ctx context.Context, owner, variantID string) error {
	if err := validOwner(owner); err != nil {
		return err
	}
	return s.remove(ctx, owner, variantID, false)
}

func (s *Service) remove(ctx context.Context, owner, variantID string, mustExist bool) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		cartID, err := lockCart(ctx, tx, owner)
		if errors.Is(err, ErrNotFound) && !mustExist {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM cart_items WHERE cart_id = ? AND variant_id = ?`, cartID, variantID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); mustExist && (err != nil || n == 0) {
			return ErrNotFound
		}
		return touch(ctx, tx, cartID, store.Micros(s.now()))
	})
}

// AcceptPrices records that the buyer has seen the cart at today's
// prices (the cart page showed the price-change warnings and the buyer
// went on): checkout then charges them.
func (s *Service) AcceptPrices(ctx context.Context, owner string) error {
	if err := validOwner(owner); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		cartID, err := lockCart(ctx, tx, owner)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE cart_items SET
			seen_price = (SELECT v.price_minor FROM variants v WHERE v.id = cart_items.variant_id),
			seen_currency = (SELECT v.currency FROM variants v WHERE v.id = cart_items.variant_id)
			WHERE cart_id = ?`, cartID)
		return err
	})
}

// Merge moves a guest's cart into the account's on sign-in, in one
// transaction: quantities of a variant in both are added (capped at
// MaxQuantity), the lower of the two shown prices is kept, and the guest
// cart is deleted. Guest lines beyond MaxLines are dropped and counted.
func (s *Service) Merge(ctx context.Context, guestOwner, accountID string) (dropped int, err error) {
	if !IsGuest(guestOwner) || validOwner(accountID) != nil || IsGuest(accountID) {
		return 0, ErrBadOwner
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		dropped = 0
		guestCart, err := lockCart(ctx, tx, guestOwner)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		guest, err := readItems(ctx, tx, guestCart)
		if err != nil {
			return err
		}
		cartID, err := s.ensureCart(ctx, tx, accountID)
		if err != nil {
			return err
		}
		mine, err := readItems(ctx, tx, cartID)
		if err != nil {
			return err
		}
		have := make(map[string]Item, len(mine))
		for _, it := range mine {
			have[it.VariantID] = it
		}
		lines := len(mine)
		for _, g := range guest {
			a, ok := have[g.VariantID]
			switch {
			case ok:
				seen := a.SeenPrice
				if g.SeenPrice.Currency == seen.Currency && g.SeenPrice.Minor < seen.Minor {
					seen = g.SeenPrice
				}
				_, err = tx.Exec(ctx, `UPDATE cart_items SET quantity = ?, seen_price = ?, seen_currency = ?
					WHERE cart_id = ? AND variant_id = ?`,
					min(a.Quantity+g.Quantity, MaxQuantity), seen.Minor, string(seen.Currency), cartID, g.VariantID)
			case lines < MaxLines:
				lines++
				_, err = tx.Exec(ctx, `INSERT INTO cart_items (cart_id, variant_id, quantity, seen_price, seen_currency, added_at)
					VALUES (?, ?, ?, ?, ?, ?)`, cartID, g.VariantID, g.Quantity, g.SeenPrice.Minor, string(g.SeenPrice.Currency),
					store.Micros(g.AddedAt))
			default:
				dropped++
			}
			if err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM cart_items WHERE cart_id = ?`, guestCart); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM carts WHERE id = ?`, guestCart); err != nil {
			return err
		}
		return touch(ctx, tx, cartID, store.Micros(s.now()))
	})
	return dropped, err
}

func touch(ctx context.Context, tx *store.Tx, cartID string, now int64) error {
	_, err := tx.Exec(ctx, `UPDATE carts SET updated_at = ? WHERE id = ?`, now, cartID)
	return err
}
