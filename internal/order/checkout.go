package order

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/tax"
)

// CheckoutRequest is a buyer's order, as the checkout form gives it.
type CheckoutRequest struct {
	BuyerID   string // the signed-in account that pays
	OrgID     string // the buyer's organization for a business purchase, or ""
	CartOwner string // BuyerID, or the guest ID of the cart the buyer filled before signing in
	Address   Address
	Country   string // ISO 3166-1 alpha-2, upper case
	// ShippingMethod applies to every merchant's order.
	ShippingMethod shipping.Method
	Now            time.Time // zero: the service's clock
}

func (r CheckoutRequest) validate() error {
	if r.BuyerID == "" || (r.CartOwner != r.BuyerID && !cart.IsGuest(r.CartOwner)) {
		return &ValidationError{"cart", "this cart is not yours"}
	}
	if !tax.Supported(r.Country) {
		return &ValidationError{"country", "we do not deliver to this country"}
	}
	if _, err := shipping.ParseMethod(string(r.ShippingMethod)); err != nil {
		return &ValidationError{"shipping_method", "choose a shipping method"}
	}
	return r.Address.Validate()
}

// item is a cart line with the catalog data checkout needs.
type item struct {
	cart.Item
	productID, merchantID, sku, title, variantTitle string
	price                                           money.Amount
	buyable                                         bool
}

// Checkout turns the cart into one order per merchant, in one
// transaction, and empties the cart. It is all or nothing: any error
// leaves stock, cart and orders as they were. Errors: *ValidationError,
// ErrEmptyCart, *OutOfStockError (ErrOutOfStock), *ItemError
// (ErrUnavailable, ErrPriceChanged), ErrMixedCurrency, and shipping's
// ErrUnsupportedCurrency for a currency with no delivery fees.
func (s *Service) Checkout(ctx context.Context, r CheckoutRequest) ([]Order, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	now := r.Now
	if now.IsZero() {
		now = s.now()
	}
	now = store.FromMicros(store.Micros(now)) // as stored
	var orders []Order
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		orders = nil
		cartID, cartItems, err := s.carts.Lock(ctx, tx, r.CartOwner)
		if err != nil {
			return err
		}
		if len(cartItems) == 0 {
			return ErrEmptyCart
		}
		reqs := make([]inventory.Request, len(cartItems))
		for i, it := range cartItems {
			reqs[i] = inventory.Request{VariantID: it.VariantID, Quantity: it.Quantity}
		}
		allocs, err := s.inv.ReserveAll(ctx, tx, reqs)
		if err != nil {
			return err
		}
		// Read the catalog after reserving: the product rows are locked
		// now, so prices and statuses cannot change under us.
		items, err := s.catalogItems(ctx, tx, cartItems)
		if err != nil {
			return err
		}
		if err := checkItems(items); err != nil {
			return err
		}
		checkoutID := ids.New("chk")
		for _, group := range byMerchant(items) {
			o, err := s.createOrder(ctx, tx, r, now, checkoutID, group, allocs)
			if err != nil {
				return err
			}
			orders = append(orders, o)
		}
		return s.carts.Clear(ctx, tx, cartID)
	})
	if err != nil {
		return nil, err
	}
	return orders, nil
}

func (s *Service) catalogItems(ctx context.Context, tx *store.Tx, cartItems []cart.Item) ([]item, error) {
	vids := make([]any, len(cartItems))
	for i, it := range cartItems {
		vids[i] = it.VariantID
	}
	rows, err := tx.Query(ctx, `SELECT v.id, v.product_id, v.sku, v.title, v.price_minor, v.currency,
			v.status = 'active' AND p.status = 'active' AND m.status = 'active', p.title, p.merchant_id
		FROM variants v JOIN products p ON p.id = v.product_id JOIN merchants m ON m.id = p.merchant_id
		WHERE v.id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(vids)), ", ")+`)`, vids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[string]item{}
	for rows.Next() {
		var it item
		var id, cur string
		if err := rows.Scan(&id, &it.productID, &it.sku, &it.variantTitle, &it.price.Minor, &cur, &it.buyable,
			&it.title, &it.merchantID); err != nil {
			return nil, err
		}
		it.price.Currency = money.Currency(cur)
		byID[id] = it
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]item, len(cartItems))
	for i, ci := range cartItems {
		out[i] = byID[ci.VariantID] // a missing variant stays not buyable
		out[i].Item = ci
	}
	return out, nil
}

// checkItems refuses lines no longer for sale, dearer than shown, or in
// more than one currency.
func checkItems(items []item) error {
	for _, it := range items {
		if !it.buyable {
			return &ItemError{it.VariantID, ErrUnavailable}
		}
		if it.price.Currency != it.SeenPrice.Currency || it.price.Minor > it.SeenPrice.Minor {
			return &ItemError{it.VariantID, ErrPriceChanged}
		}
		if it.price.Currency != items[0].price.Currency {
			return ErrMixedCurrency
		}
	}
	return nil
}

// byMerchant groups items by merchant, merchants in ID order, items in
// cart order.
func byMerchant(items []item) [][]item {
	groups := map[string][]item{}
	var merchants []string
	for _, it := range items {
		if _, ok := groups[it.merchantID]; !ok {
			merchants = append(merchants, it.merchantID)
		}
		groups[it.merchantID] = append(groups[it.merchantID], it)
	}
	slices.Sort(merchants)
	out := make([][]item, len(merchants))
	for i, m := range merchants {
		out[i] = groups[m]
	}
	return out
}
