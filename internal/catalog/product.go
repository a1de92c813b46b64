package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// Product is a product with its variants, as its merchant or a shopper
// sees it.
type Product struct {
	ID           string
	MerchantID   string
	MerchantSlug string
	MerchantName string
	CategoryID   string // "" when uncategorised
	CategorySlug string
	CategoryName string
	Title        string
	Description  string
	Status       string // StatusActive or StatusArchived
	Currency     money.Currency
	MinPrice     money.Amount // lowest price of an active variant
	InStock      bool         // some active variant is available
	Variants     []Variant    // by position; public reads show active ones only
	ImageIDs     []string     // by position
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NewProduct is what a merchant enters to create a product.
type NewProduct struct {
	CategoryID  string // "" for none
	Title       string
	Description string
	Currency    money.Currency
	Variants    []NewVariant // at least one
}

// ProductUpdate replaces a product's descriptive fields.
type ProductUpdate struct {
	CategoryID  string
	Title       string
	Description string
}

// CreateProduct adds an active product with its variants for the
// merchant, and returns it as MerchantProduct would.
func (s *Service) CreateProduct(ctx context.Context, merchantID string, np NewProduct) (Product, error) {
	title, err := line("title", np.Title, MaxTitle, true)
	if err != nil {
		return Product{}, err
	}
	desc, err := text("description", np.Description, MaxDescription)
	if err != nil {
		return Product{}, err
	}
	if !np.Currency.Valid() {
		return Product{}, invalid("currency", "choose a currency")
	}
	if len(np.Variants) == 0 {
		return Product{}, invalid("variants", "add at least one variant")
	}
	if len(np.Variants) > MaxVariants {
		return Product{}, invalid("variants", fmt.Sprintf("at most %d variants", MaxVariants))
	}
	vs := make([]variantRow, len(np.Variants))
	skus, opts := map[string]bool{}, map[string]bool{}
	minPrice := int64(-1)
	for i, nv := range np.Variants {
		field := fmt.Sprintf("variants[%d]", i)
		if vs[i], err = checkVariant(field, nv, np.Currency); err != nil {
			return Product{}, err
		}
		if skus[vs[i].sku] {
			return Product{}, conflict(field+".sku", "another variant has this SKU")
		}
		if opts[vs[i].options] {
			return Product{}, conflict(field+".options", "another variant has the same options")
		}
		skus[vs[i].sku], opts[vs[i].options] = true, true
		if minPrice < 0 || vs[i].price < minPrice {
			minPrice = vs[i].price
		}
	}
	if !validID("mer", merchantID) {
		return Product{}, ErrNotFound
	}
	id := ids.New("prd")
	now := s.micros()
	var p Product
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM merchants WHERE id = ?`, merchantID).Scan(&one); err != nil {
			return notFound(err)
		}
		if err := categoryExists(ctx, tx, np.CategoryID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO products (id, merchant_id, category_id, title, description, status,
			currency, min_price, in_stock, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
			id, merchantID, nullable(np.CategoryID), title, desc, StatusActive, string(np.Currency), minPrice, now, now)
		if err != nil {
			return err
		}
		for i, v := range vs {
			if _, err := insertVariant(ctx, tx, id, np.Currency, v, i, fmt.Sprintf("variants[%d]", i)); err != nil {
				return err
			}
		}
		p, err = loadProduct(ctx, tx, id, merchantID, false)
		return err
	})
	return p, err
}

// UpdateProduct replaces the title, description and category of the
// merchant's product, archived or not.
func (s *Service) UpdateProduct(ctx context.Context, merchantID, productID string, u ProductUpdate) error {
	title, err := line("title", u.Title, MaxTitle, true)
	if err != nil {
		return err
	}
	desc, err := text("description", u.Description, MaxDescription)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.lockProduct(ctx, tx, merchantID, productID); err != nil {
			return err
		}
		if err := categoryExists(ctx, tx, u.CategoryID); err != nil {
			return err
		}
		return oneRow(tx.Exec(ctx, `UPDATE products SET title = ?, description = ?, category_id = ?
			WHERE id = ? AND merchant_id = ?`, title, desc, nullable(u.CategoryID), productID, merchantID))
	})
}

// ArchiveProduct takes the merchant's product off every public page and
// out of search. Orders keep their own copy of what was bought.
func (s *Service) ArchiveProduct(ctx context.Context, merchantID, productID string) error {
	return s.setProductStatus(ctx, merchantID, productID, StatusArchived)
}

// RestoreProduct puts an archived product back on sale.
func (s *Service) RestoreProduct(ctx context.Context, merchantID, productID string) error {
	return s.setProductStatus(ctx, merchantID, productID, StatusActive)
}

func (s *Service) setProductStatus(ctx context.Context, merchantID, productID, status string) error {
	if !validID("mer", merchantID) || !validID("prd", productID) {
		return ErrNotFound
	}
	return oneRow(s.db.Exec(ctx, `UPDATE products SET status = ?, updated_at = ? WHERE id = ? AND merchant_id = ?`,
		status, s.micros(), productID, merchantID))
}

// lockProduct checks that the product belongs to the merchant and, by
// writing its row first, serialises every change to the product and its
// variants (on PostgreSQL the row lock holds until commit, so the
// min_price computed later in the transaction sees every earlier change).
// It returns the product's currency.
func (s *Service) lockProduct(ctx context.Context, tx *store.Tx, merchantID, productID string) (money.Currency, error) {
	if !validID("mer", merchantID) || !validID("prd", productID) {
		return "", ErrNotFound
	}
	err := oneRow(tx.Exec(ctx, `UPDATE products SET updated_at = ? WHERE id = ? AND merchant_id = ?`,
		s.micros(), productID, merchantID))
	if err != nil {
		return "", err
	}
	var c string
	err = tx.QueryRow(ctx, `SELECT currency FROM products WHERE id = ? AND merchant_id = ?`, productID, merchantID).Scan(&c)
	return money.Currency(c), notFound(err)
}

// refreshProduct recomputes what products keeps about its variants: the
// lowest active price, and whether any active variant is available.
func refreshProduct(ctx context.Context, tx *store.Tx, productID string) error {
	return oneRow(tx.Exec(ctx, `UPDATE products SET
		min_price = COALESCE((SELECT MIN(price_minor) FROM variants WHERE product_id = ? AND status = 'active'), 0),
		in_stock = CASE WHEN EXISTS (SELECT 1 FROM variants WHERE product_id = ? AND status = 'active' AND available > 0)
			THEN 1 ELSE 0 END
		WHERE id = ?`, productID, productID, productID))
}

// notFound maps sql.ErrNoRows to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
