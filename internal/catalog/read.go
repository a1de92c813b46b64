package catalog

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// Product returns a product as shoppers see it: only an active product of
// an active merchant, with its active variants.
func (s *Service) Product(ctx context.Context, id string) (Product, error) {
	if !validID("prd", id) {
		return Product{}, ErrNotFound
	}
	return loadProduct(ctx, s.db, id, "", true)
}

// MerchantProduct returns the merchant's own product, archived or not,
// with every variant.
func (s *Service) MerchantProduct(ctx context.Context, merchantID, id string) (Product, error) {
	if !validID("mer", merchantID) || !validID("prd", id) {
		return Product{}, ErrNotFound
	}
	return loadProduct(ctx, s.db, id, merchantID, false)
}

const productQuery = `SELECT p.id, p.merchant_id, m.slug, m.name, p.category_id, c.slug, c.name, p.title, p.description,
	p.status, p.currency, p.min_price, p.in_stock, p.created_at, p.updated_at
	FROM products p JOIN merchants m ON m.id = p.merchant_id LEFT JOIN categories c ON c.id = p.category_id
	WHERE p.id = ?`

// loadProduct reads a product: the public view (public, merchantID "")
// or the merchant's view (merchantID set).
func loadProduct(ctx context.Context, q store.Querier, id, merchantID string, public bool) (Product, error) {
	query, args := productQuery, []any{id}
	if public {
		query += ` AND p.status = 'active' AND m.status = 'active'`
	} else {
		query += ` AND p.merchant_id = ?`
		args = append(args, merchantID)
	}
	var p Product
	var catID, catSlug, catName sql.NullString
	var currency string
	var minPrice, inStock, created, updated int64
	err := q.QueryRow(ctx, query, args...).Scan(&p.ID, &p.MerchantID, &p.MerchantSlug, &p.MerchantName,
		&catID, &catSlug, &catName, &p.Title, &p.Description, &p.Status, &currency, &minPrice, &inStock, &created, &updated)
	if err != nil {
		return Product{}, notFound(err)
	}
	p.CategoryID, p.CategorySlug, p.CategoryName = catID.String, catSlug.String, catName.String
	p.Currency = money.Currency(currency)
	p.MinPrice = money.New(minPrice, p.Currency)
	p.InStock = inStock != 0
	p.CreatedAt, p.UpdatedAt = store.FromMicros(created), store.FromMicros(updated)

	vq := `SELECT ` + variantCols + ` FROM variants WHERE product_id = ?`
	if public {
		vq += ` AND status = 'active'`
	}
	rows, err := q.Query(ctx, vq+` ORDER BY position, id`, id)
	if err != nil {
		return Product{}, err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVariant(rows)
		if err != nil {
			return Product{}, err
		}
		p.Variants = append(p.Variants, v)
	}
	if err := rows.Err(); err != nil {
		return Product{}, err
	}
	rows.Close()
	p.ImageIDs, err = imageIDs(ctx, q, id)
	return p, err
}

const variantCols = `id, sku, title, options, price_minor, currency, status, available, position`

func loadVariant(ctx context.Context, q store.Querier, productID, id string) (Variant, error) {
	v, err := scanVariant(q.QueryRow(ctx, `SELECT `+variantCols+` FROM variants WHERE id = ? AND product_id = ?`, id, productID))
	return v, notFound(err)
}

func scanVariant(r scanner) (Variant, error) {
	var v Variant
	var opts, currency string
	var price int64
	if err := r.Scan(&v.ID, &v.SKU, &v.Title, &opts, &price, &currency, &v.Status, &v.Available, &v.Position); err != nil {
		return Variant{}, err
	}
	v.Price = money.New(price, money.Currency(currency))
	if err := json.Unmarshal([]byte(opts), &v.Options); err != nil {
		return Variant{}, err
	}
	return v, nil
}

func imageIDs(ctx context.Context, q store.Querier, productID string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT id FROM product_images WHERE product_id = ? ORDER BY position, id`, productID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
