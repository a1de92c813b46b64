package catalog

import (
	"context"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// ArchivedProducts lists a merchant's archived products, the most
// recently changed first, at most limit (1 to 500): they are out of every
// public listing and search, so the back office lists them apart, to be
// opened and restored. The merchant ID is part of the query: another
// merchant's archive is never reached.
func (s *Service) ArchivedProducts(ctx context.Context, merchantID string, limit int) ([]Product, error) {
	if !validID("mer", merchantID) {
		return nil, ErrNotFound
	}
	limit = min(max(limit, 1), 500)
	rows, err := s.db.Query(ctx, `SELECT id, title, currency, min_price, updated_at FROM products
		WHERE merchant_id = ? AND status = ? ORDER BY updated_at DESC, id LIMIT ?`, merchantID, StatusArchived, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		p := Product{MerchantID: merchantID, Status: StatusArchived}
		var cur string
		var minPrice, updated int64
		if err := rows.Scan(&p.ID, &p.Title, &cur, &minPrice, &updated); err != nil {
			return nil, err
		}
		p.Currency = money.Currency(cur)
		p.MinPrice = money.New(minPrice, p.Currency)
		p.UpdatedAt = store.FromMicros(updated)
		out = append(out, p)
	}
	return out, rows.Err()
}
