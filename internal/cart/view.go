package cart

import (
	"context"
	"time"

	"github.com/citadel-store/citadel/internal/money"
)

// View is a cart priced as of now.
type View struct {
	Owner string
	Lines []Line
	// Subtotals has one entry per merchant and currency, over the lines
	// that can be bought, in the order the merchants first appear.
	Subtotals []Subtotal
	Warnings  []Warning
}

// Line is one cart line with the catalog's current data.
type Line struct {
	VariantID    string
	ProductID    string
	MerchantID   string
	MerchantName string
	SKU          string
	Title        string // product title
	VariantTitle string
	UnitPrice    money.Amount // current price
	SeenPrice    money.Amount // price shown when added
	Quantity     int
	LineTotal    money.Amount
	Available    int  // units that can still be sold
	Buyable      bool // variant, product and merchant are active
	AddedAt      time.Time
}

// Subtotal is the sum of one merchant's buyable lines.
type Subtotal struct {
	MerchantID   string
	MerchantName string
	Amount       money.Amount
}

// WarningKind says what is wrong with a line, or with the cart.
type WarningKind string

const (
	// Unavailable: the variant, product or merchant is no longer active;
	// the line is left out of subtotals and checkout refuses it.
	Unavailable WarningKind = "unavailable"
	// OverStock: fewer units are available than the line asks for.
	OverStock WarningKind = "over_stock"
	// PriceChanged: the price is not the one shown when the line was
	// added; a higher price blocks checkout until AcceptPrices.
	PriceChanged WarningKind = "price_changed"
	// MixedCurrency: the cart holds items priced in more than one
	// currency; checkout takes one currency at a time (VariantID is "").
	MixedCurrency WarningKind = "mixed_currency"
)

// Warning tells the buyer about one line (or the cart as a whole).
type Warning struct {
	Kind      WarningKind
	VariantID string
}

// Get prices the owner's cart from the catalog as it is now. An owner
// without a cart gets an empty view.
func (s *Service) Get(ctx context.Context, owner string) (View, error) {
	if err := validOwner(owner); err != nil {
		return View{}, err
	}
	v := View{Owner: owner}
	rows, err := s.db.Query(ctx, `SELECT ci.variant_id, ci.quantity, ci.seen_price, ci.seen_currency, ci.added_at,
			v.product_id, v.sku, v.title, v.price_minor, v.currency, v.available,
			v.status = 'active' AND p.status = 'active' AND m.status = 'active',
			p.title, p.merchant_id, m.name
		FROM carts c
		JOIN cart_items ci ON ci.cart_id = c.id
		JOIN variants v ON v.id = ci.variant_id
		JOIN products p ON p.id = v.product_id
		JOIN merchants m ON m.id = p.merchant_id
		WHERE c.owner_id = ?
		ORDER BY ci.added_at, ci.variant_id`, owner)
	if err != nil {
		return View{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var l Line
		var seenCur, cur string
		var at int64
		if err := rows.Scan(&l.VariantID, &l.Quantity, &l.SeenPrice.Minor, &seenCur, &at,
			&l.ProductID, &l.SKU, &l.VariantTitle, &l.UnitPrice.Minor, &cur, &l.Available,
			&l.Buyable, &l.Title, &l.MerchantID, &l.MerchantName); err != nil {
			return View{}, err
		}
		l.SeenPrice.Currency, l.UnitPrice.Currency = money.Currency(seenCur), money.Currency(cur)
		l.AddedAt = time.UnixMicro(at).UTC()
		if l.LineTotal, err = l.UnitPrice.Mul(int64(l.Quantity)); err != nil {
			return View{}, err
		}
		v.Lines = append(v.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return View{}, err
	}
	return v, v.summarise()
}

// summarise fills in subtotals and warnings from the lines.
func (v *View) summarise() error {
	type key struct {
		merchant string
		cur      money.Currency
	}
	at := map[key]int{}
	currencies := map[money.Currency]bool{}
	for _, l := range v.Lines {
		if !l.Buyable {
			v.Warnings = append(v.Warnings, Warning{Unavailable, l.VariantID})
			continue
		}
		if l.Available < l.Quantity {
			v.Warnings = append(v.Warnings, Warning{OverStock, l.VariantID})
		}
		if l.UnitPrice != l.SeenPrice {
			v.Warnings = append(v.Warnings, Warning{PriceChanged, l.VariantID})
		}
		currencies[l.UnitPrice.Currency] = true
		k := key{l.MerchantID, l.UnitPrice.Currency}
		i, ok := at[k]
		if !ok {
			i = len(v.Subtotals)
			at[k] = i
			v.Subtotals = append(v.Subtotals, Subtotal{l.MerchantID, l.MerchantName, money.New(0, k.cur)})
		}
		sum, err := v.Subtotals[i].Amount.Add(l.LineTotal)
		if err != nil {
			return err
		}
		v.Subtotals[i].Amount = sum
	}
	if len(currencies) > 1 {
		v.Warnings = append(v.Warnings, Warning{Kind: MixedCurrency})
	}
	return nil
}
