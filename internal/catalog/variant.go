package catalog

import (
	"context"
	"fmt"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// Variant is one purchasable form of a product: a size, a colour.
type Variant struct {
	ID        string
	SKU       string
	Title     string            // "Blue / M"
	Options   map[string]string // {"colour": "Blue", "size": "M"}
	Price     money.Amount
	Status    string // StatusActive or StatusArchived
	Available int    // kept by inventory
	Position  int
}

// NewVariant is what a merchant enters for a variant. An empty Title is
// made from the option values.
type NewVariant struct {
	SKU     string
	Title   string
	Options map[string]string
	Price   money.Amount
}

// VariantUpdate replaces a variant's title, options and price. The SKU
// stays: orders and stock refer to it.
type VariantUpdate struct {
	Title   string
	Options map[string]string
	Price   money.Amount
}

// variantRow is a checked variant, ready to store.
type variantRow struct {
	sku, title, options string
	price               int64
}

func checkVariant(field string, v NewVariant, c money.Currency) (variantRow, error) {
	sk, err := sku(field+".sku", v.SKU)
	if err != nil {
		return variantRow{}, err
	}
	title, err := line(field+".title", v.Title, MaxTitle, false)
	if err != nil {
		return variantRow{}, err
	}
	opts, err := options(field+".options", v.Options)
	if err != nil {
		return variantRow{}, err
	}
	if title == "" {
		title = optionTitle(v.Options)
	}
	if err := price(field+".price", v.Price, c); err != nil {
		return variantRow{}, err
	}
	return variantRow{sku: sk, title: title, options: opts, price: v.Price.Minor}, nil
}

func insertVariant(ctx context.Context, tx *store.Tx, productID string, c money.Currency, v variantRow, pos int, field string) (string, error) {
	id := ids.New("var")
	_, err := tx.Exec(ctx, `INSERT INTO variants (id, product_id, sku, title, options, price_minor, currency, status, available, position)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`, id, productID, v.sku, v.title, v.options, v.price, string(c), StatusActive, pos)
	if store.IsUniqueViolation(err) {
		return "", conflict(field+".sku", "another variant of this product has this SKU")
	}
	return id, err
}

// AddVariant adds an active variant to the merchant's product.
func (s *Service) AddVariant(ctx context.Context, merchantID, productID string, nv NewVariant) (Variant, error) {
	var out Variant
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := s.lockProduct(ctx, tx, merchantID, productID)
		if err != nil {
			return err
		}
		v, err := checkVariant("variant", nv, c)
		if err != nil {
			return err
		}
		var n, pos int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(position), -1) + 1 FROM variants WHERE product_id = ?`,
			productID).Scan(&n, &pos); err != nil {
			return err
		}
		if n >= MaxVariants {
			return invalid("variant", fmt.Sprintf("a product has at most %d variants", MaxVariants))
		}
		if err := sameOptions(ctx, tx, productID, "", v.options); err != nil {
			return err
		}
		id, err := insertVariant(ctx, tx, productID, c, v, pos, "variant")
		if err != nil {
			return err
		}
		if err := refreshProduct(ctx, tx, productID); err != nil {
			return err
		}
		out, err = loadVariant(ctx, tx, productID, id)
		return err
	})
	return out, err
}

// UpdateVariant replaces the title, options and price of a variant of
// the merchant's product. Orders already placed keep the price they were
// placed at.
func (s *Service) UpdateVariant(ctx context.Context, merchantID, productID, variantID string, u VariantUpdate) error {
	if !validID("var", variantID) {
		return ErrNotFound
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := s.lockProduct(ctx, tx, merchantID, productID)
		if err != nil {
			return err
		}
		v, err := checkVariant("variant", NewVariant{SKU: "-", Title: u.Title, Options: u.Options, Price: u.Price}, c)
		if err != nil {
			return err
		}
		if err := sameOptions(ctx, tx, productID, variantID, v.options); err != nil {
			return err
		}
		err = oneRow(tx.Exec(ctx, `UPDATE variants SET title = ?, options = ?, price_minor = ? WHERE id = ? AND product_id = ?`,
			v.title, v.options, v.price, variantID, productID))
		if err != nil {
			return err
		}
		return refreshProduct(ctx, tx, productID)
	})
}

// ArchiveVariant stops selling a variant of the merchant's product. The
// last active variant cannot go: archive the product instead.
func (s *Service) ArchiveVariant(ctx context.Context, merchantID, productID, variantID string) error {
	if !validID("var", variantID) {
		return ErrNotFound
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.lockProduct(ctx, tx, merchantID, productID); err != nil {
			return err
		}
		var others int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM variants WHERE product_id = ? AND status = 'active' AND id <> ?`,
			productID, variantID).Scan(&others); err != nil {
			return err
		}
		err := oneRow(tx.Exec(ctx, `UPDATE variants SET status = 'archived' WHERE id = ? AND product_id = ?`, variantID, productID))
		if err != nil {
			return err
		}
		if others == 0 {
			return invalid("variant", "a product needs an active variant; archive the product instead")
		}
		return refreshProduct(ctx, tx, productID)
	})
}

// sameOptions refuses options equal to those of another active variant:
// a shopper could not tell the two apart.
func sameOptions(ctx context.Context, tx *store.Tx, productID, exceptID, opts string) error {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM variants WHERE product_id = ? AND status = 'active' AND options = ? AND id <> ?`,
		productID, opts, exceptID).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return conflict("variant.options", "another variant has the same options")
	}
	return nil
}
