package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/citadel-store/citadel/internal/store"
)

// errInconsistent means a release or shipment found fewer units reserved
// than it was handed: the allocations do not match the stock rows. It is
// an internal fault (answer 500); the transaction must roll back.
var errInconsistent = errors.New("inventory: allocation does not match the reserved stock")

// Reserve reserves qty units of one variant inside tx. See ReserveAll.
func (s *Service) Reserve(ctx context.Context, tx *store.Tx, variantID string, qty int) ([]Allocation, error) {
	return s.ReserveAll(ctx, tx, []Request{{VariantID: variantID, Quantity: qty}})
}

// ReserveAll reserves every request inside tx, or nothing: when one cannot
// be met it returns an *OutOfStockError (errors.Is ErrOutOfStock) before
// changing any row. Each variant is taken from the warehouses with the
// most available first, split across several when one is not enough
// (ties go to the lower warehouse ID, so plans are deterministic).
// Requests for the same variant are added together. Allocations come back
// grouped by variant, in the order the variants were first requested.
func (s *Service) ReserveAll(ctx context.Context, tx *store.Tx, reqs []Request) ([]Allocation, error) {
	want := map[string]int{}
	var order []string
	for _, r := range reqs {
		if r.Quantity <= 0 || r.Quantity > MaxOnHand {
			return nil, &ValidationError{"quantity", "enter a quantity of at least 1"}
		}
		if _, seen := want[r.VariantID]; !seen {
			order = append(order, r.VariantID)
		}
		want[r.VariantID] += r.Quantity
	}
	if len(order) == 0 {
		return nil, nil
	}
	productIDs, err := lockVariants(ctx, tx, order)
	if err != nil {
		return nil, err
	}
	type avail struct {
		warehouse string
		n         int
	}
	free := map[string][]avail{}
	err = scan(ctx, tx, `SELECT variant_id, warehouse_id, on_hand - reserved FROM stock
		WHERE variant_id IN (`+placeholders(len(order))+`) AND on_hand > reserved`, anys(order), func(r rowScanner) error {
		var v string
		var a avail
		if err := r.Scan(&v, &a.warehouse, &a.n); err != nil {
			return err
		}
		free[v] = append(free[v], a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var plan []Allocation
	for _, v := range order {
		cands := free[v]
		sort.Slice(cands, func(i, j int) bool {
			if cands[i].n != cands[j].n {
				return cands[i].n > cands[j].n
			}
			return cands[i].warehouse < cands[j].warehouse
		})
		need, total := want[v], 0
		for _, c := range cands {
			total += c.n
		}
		if total < need {
			return nil, &OutOfStockError{VariantID: v, Requested: need, Available: total}
		}
		for _, c := range cands {
			if need == 0 {
				break
			}
			take := min(need, c.n)
			plan = append(plan, Allocation{VariantID: v, WarehouseID: c.warehouse, Quantity: take})
			need -= take
		}
	}
	now := store.Micros(s.now())
	for _, a := range plan {
		res, err := tx.Exec(ctx, `UPDATE stock SET reserved = reserved + ?, updated_at = ?
			WHERE variant_id = ? AND warehouse_id = ? AND on_hand - reserved >= ?`,
			a.Quantity, now, a.VariantID, a.WarehouseID, a.Quantity)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			// Only reachable without the product lock; the caller's
			// transaction must roll back the rows already changed.
			return nil, &OutOfStockError{VariantID: a.VariantID, Requested: want[a.VariantID]}
		}
	}
	if err := refresh(ctx, tx, order, productIDs); err != nil {
		return nil, err
	}
	return plan, nil
}

// Release returns reserved units to sale inside tx: an order cancelled or
// expired before shipping. It refuses (and the caller must roll back) when
// a row holds fewer reserved units than an allocation says.
func (s *Service) Release(ctx context.Context, tx *store.Tx, allocs []Allocation) error {
	return s.settle(ctx, tx, allocs, false)
}

// Ship converts reserved units into units gone: on_hand and reserved both
// drop by each allocation's quantity, inside tx.
func (s *Service) Ship(ctx context.Context, tx *store.Tx, allocs []Allocation) error {
	return s.settle(ctx, tx, allocs, true)
}

// settle takes allocated units out of reserved: back to sale, or (ship)
// out of on_hand too.
func (s *Service) settle(ctx context.Context, tx *store.Tx, allocs []Allocation, ship bool) error {
	if len(allocs) == 0 {
		return nil
	}
	var variants []string
	for _, a := range allocs {
		if a.Quantity <= 0 {
			return fmt.Errorf("%w: quantity %d", errInconsistent, a.Quantity)
		}
		variants = append(variants, a.VariantID)
	}
	productIDs, err := lockVariants(ctx, tx, variants)
	if err != nil {
		return err
	}
	now := store.Micros(s.now())
	query := `UPDATE stock SET reserved = reserved - ?, updated_at = ?
		WHERE variant_id = ? AND warehouse_id = ? AND reserved >= ?`
	if ship {
		query = `UPDATE stock SET on_hand = on_hand - ?, reserved = reserved - ?, updated_at = ?
		WHERE variant_id = ? AND warehouse_id = ? AND reserved >= ?`
	}
	for _, a := range allocs {
		args := []any{a.Quantity, now, a.VariantID, a.WarehouseID, a.Quantity}
		if ship {
			args = append([]any{a.Quantity}, args...)
		}
		res, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("%w: variant %s in %s", errInconsistent, a.VariantID, a.WarehouseID)
		}
	}
	return refresh(ctx, tx, variants, productIDs)
}

// RefreshProducts recomputes variants.available and products.in_stock for
// every variant of the given products inside tx. The catalog calls it
// after archiving or restoring a variant, which changes in_stock without
// touching stock.
func RefreshProducts(ctx context.Context, tx *store.Tx, productIDs []string) error {
	if len(productIDs) == 0 {
		return nil
	}
	ids := uniqueSorted(productIDs)
	if err := lockProducts(ctx, tx, ids); err != nil {
		return err
	}
	var variants []string
	err := scan(ctx, tx, `SELECT id FROM variants WHERE product_id IN (`+placeholders(len(ids))+`)`, anys(ids),
		func(r rowScanner) error {
			var v string
			err := r.Scan(&v)
			variants = append(variants, v)
			return err
		})
	if err != nil {
		return err
	}
	return refresh(ctx, tx, variants, ids)
}

// lockVariants locks the products of the given variants and returns their
// IDs.
func lockVariants(ctx context.Context, tx *store.Tx, variantIDs []string) ([]string, error) {
	vs := uniqueSorted(variantIDs)
	var products []string
	err := scan(ctx, tx, `SELECT DISTINCT product_id FROM variants WHERE id IN (`+placeholders(len(vs))+`)`, anys(vs),
		func(r rowScanner) error {
			var p string
			err := r.Scan(&p)
			products = append(products, p)
			return err
		})
	if err != nil {
		return nil, err
	}
	products = uniqueSorted(products)
	return products, lockProducts(ctx, tx, products)
}

// lockProducts takes the row locks that serialise stock changes, in ID
// order. On SQLite the write transaction already excludes every other
// writer, and the syntax does not exist.
func lockProducts(ctx context.Context, tx *store.Tx, productIDs []string) error {
	if tx.Engine() != store.Postgres || len(productIDs) == 0 {
		return nil
	}
	ids := uniqueSorted(productIDs)
	return scan(ctx, tx, `SELECT id FROM products WHERE id IN (`+placeholders(len(ids))+`) ORDER BY id FOR UPDATE`,
		anys(ids), func(r rowScanner) error { var id string; return r.Scan(&id) })
}

// refresh recomputes the catalog's denormalised availability from the
// stock rows. It runs under the product locks, so the sums are exact.
func refresh(ctx context.Context, tx *store.Tx, variantIDs, productIDs []string) error {
	vs := uniqueSorted(variantIDs)
	if len(vs) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE variants SET available =
			COALESCE((SELECT SUM(s.on_hand - s.reserved) FROM stock s WHERE s.variant_id = variants.id), 0)
			WHERE id IN (`+placeholders(len(vs))+`)`, anys(vs)...); err != nil {
			return err
		}
	}
	ps := uniqueSorted(productIDs)
	if len(ps) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE products SET in_stock = CASE WHEN EXISTS (
			SELECT 1 FROM variants v WHERE v.product_id = products.id AND v.status = 'active' AND v.available > 0)
			THEN 1 ELSE 0 END
			WHERE id IN (`+placeholders(len(ps))+`)`, anys(ps)...); err != nil {
			return err
		}
	}
	return nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scan(ctx context.Context, q store.Querier, query string, args []any, fn func(rowScanner) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func uniqueSorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
