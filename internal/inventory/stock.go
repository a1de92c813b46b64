package inventory

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// Level is a variant's stock in one warehouse.
type Level struct {
	WarehouseID   string
	WarehouseName string
	Country       string
	OnHand        int
	Reserved      int
	Available     int // OnHand - Reserved
	UpdatedAt     time.Time
}

// SetStock sets the units on hand of a merchant's variant in one of its
// warehouses. A variant or warehouse of another merchant is ErrNotFound;
// a count below what is reserved is ErrBelowReserved.
func (s *Service) SetStock(ctx context.Context, merchantID, variantID, warehouseID string, onHand int) (Level, error) {
	if onHand < 0 || onHand > MaxOnHand {
		return Level{}, &ValidationError{"on_hand", "enter a whole number from 0 to 1,000,000,000"}
	}
	return s.change(ctx, merchantID, variantID, warehouseID, func(int) int { return onHand })
}

// Adjust adds delta (negative to remove) to the units on hand, with the
// same checks as SetStock: a goods-in or a stock-take correction that does
// not race with other adjustments the way read-then-SetStock would.
func (s *Service) Adjust(ctx context.Context, merchantID, variantID, warehouseID string, delta int) (Level, error) {
	if delta < -MaxOnHand || delta > MaxOnHand {
		return Level{}, &ValidationError{"delta", "enter a change between -1,000,000,000 and 1,000,000,000"}
	}
	return s.change(ctx, merchantID, variantID, warehouseID, func(old int) int { return old + delta })
}

// change applies next(on_hand) to one stock row, creating it at zero.
func (s *Service) change(ctx context.Context, merchantID, variantID, warehouseID string, next func(int) int) (Level, error) {
	var lv Level
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var productID string
		err := tx.QueryRow(ctx, `SELECT v.product_id, w.name, w.country FROM variants v
			JOIN products p ON p.id = v.product_id
			JOIN warehouses w ON w.merchant_id = p.merchant_id
			WHERE v.id = ? AND w.id = ? AND p.merchant_id = ?`, variantID, warehouseID, merchantID).
			Scan(&productID, &lv.WarehouseName, &lv.Country)
		if err != nil {
			return store.NotFound(err)
		}
		if err := lockProducts(ctx, tx, []string{productID}); err != nil {
			return err
		}
		var old, reserved int
		err = tx.QueryRow(ctx, `SELECT on_hand, reserved FROM stock WHERE variant_id = ? AND warehouse_id = ?`,
			variantID, warehouseID).Scan(&old, &reserved)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		n := next(old)
		if n < reserved || n < 0 {
			return ErrBelowReserved
		}
		if n > MaxOnHand {
			return &ValidationError{"on_hand", "at most 1,000,000,000 units per warehouse"}
		}
		now := store.Micros(s.now())
		if _, err := tx.Exec(ctx, `INSERT INTO stock (variant_id, warehouse_id, on_hand, reserved, updated_at)
			VALUES (?, ?, ?, 0, ?)
			ON CONFLICT (variant_id, warehouse_id) DO UPDATE SET on_hand = excluded.on_hand, updated_at = excluded.updated_at`,
			variantID, warehouseID, n, now); err != nil {
			return err
		}
		lv.WarehouseID, lv.OnHand, lv.Reserved, lv.Available, lv.UpdatedAt = warehouseID, n, reserved, n-reserved, store.FromMicros(now)
		return refresh(ctx, tx, []string{variantID}, []string{productID})
	})
	if err != nil {
		return Level{}, err
	}
	return lv, nil
}

// StockLevels lists a merchant's variant's stock in each of the merchant's
// warehouses (zero where it has none). A variant of another merchant is
// ErrNotFound.
func (s *Service) StockLevels(ctx context.Context, merchantID, variantID string) ([]Level, error) {
	var one int
	err := s.db.QueryRow(ctx, `SELECT 1 FROM variants v JOIN products p ON p.id = v.product_id
		WHERE v.id = ? AND p.merchant_id = ?`, variantID, merchantID).Scan(&one)
	if err != nil {
		return nil, store.NotFound(err)
	}
	rows, err := s.db.Query(ctx, `SELECT w.id, w.name, w.country, COALESCE(s.on_hand, 0), COALESCE(s.reserved, 0), COALESCE(s.updated_at, 0)
		FROM warehouses w LEFT JOIN stock s ON s.warehouse_id = w.id AND s.variant_id = ?
		WHERE w.merchant_id = ? ORDER BY w.created_at, w.id`, variantID, merchantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Level
	for rows.Next() {
		var lv Level
		var at int64
		if err := rows.Scan(&lv.WarehouseID, &lv.WarehouseName, &lv.Country, &lv.OnHand, &lv.Reserved, &at); err != nil {
			return nil, err
		}
		lv.Available = lv.OnHand - lv.Reserved
		if at != 0 {
			lv.UpdatedAt = store.FromMicros(at)
		}
		out = append(out, lv)
	}
	return out, rows.Err()
}
