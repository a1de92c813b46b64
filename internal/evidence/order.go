package evidence

import (
	"crypto/rand"
	"fmt"
	"time"
)

// OrderInfo is the SET order information of one checkout: what the
// merchants need to fulfil it and nothing of how it is paid. Amounts are
// integer minor units of Currency. A checkout with several merchants has
// one OrderPart each; every merchant's view holds the whole OI.
type OrderInfo struct {
	CheckoutID string
	BuyerID    string
	OrgID      string // the buying organization of a business purchase, or ""
	// Nonce is 16 or more random bytes in base64url (NewNonce). It makes
	// H(OI) unique and unguessable, so the payment side learns nothing
	// from it.
	Nonce     string
	Currency  string
	Total     int64 // Σ Orders[i].Total
	Shipping  Shipping
	Orders    []OrderPart
	CreatedAt time.Time // whole seconds, UTC (finer parts are dropped)
}

// Shipping is where and how the goods go, without the address text.
type Shipping struct {
	Method  string // e.g. "standard"
	Country string // ISO 3166-1 alpha-2
	// AddressHash is a hash of the delivery address, or zero for none:
	// the merchant sees the address elsewhere; this only ties it in.
	AddressHash Digest
}

// OrderPart is one merchant's order within the checkout.
type OrderPart struct {
	OrderID      string
	MerchantID   string
	MerchantName string
	Lines        []Line
	Subtotal     int64 // Σ Lines[i].Total
	Shipping     int64
	Tax          int64
	Total        int64 // Subtotal + Shipping + Tax
}

// Line is one item as sold. Total is UnitPrice × Quantity.
type Line struct {
	SKU       string
	Title     string
	Variant   string // "" when the product has none
	UnitPrice int64
	Quantity  int64
	Total     int64
}

const (
	typeOrderInfo = "citadel.order-info/v1"
	maxOrders     = 100
	maxLines      = 1000
	maxQuantity   = 1_000_000
)

// NewNonce returns 16 random bytes in base64url, for the Nonce fields.
func NewNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return b64.EncodeToString(b)
}

func (oi *OrderInfo) value() map[string]any {
	orders := make([]any, len(oi.Orders))
	for i, o := range oi.Orders {
		lines := make([]any, len(o.Lines))
		for j, l := range o.Lines {
			lines[j] = l.value()
		}
		orders[i] = map[string]any{
			"order_id": o.OrderID, "merchant_id": o.MerchantID, "merchant_name": o.MerchantName,
			"lines": lines, "subtotal": o.Subtotal, "shipping": o.Shipping, "tax": o.Tax, "total": o.Total,
		}
	}
	addr := ""
	if !oi.Shipping.AddressHash.IsZero() {
		addr = oi.Shipping.AddressHash.String()
	}
	return map[string]any{
		"type": typeOrderInfo, "checkout_id": oi.CheckoutID, "buyer_id": oi.BuyerID, "org_id": oi.OrgID,
		"nonce": oi.Nonce, "currency": oi.Currency, "total": oi.Total, "orders": orders,
		"shipping":   map[string]any{"method": oi.Shipping.Method, "country": oi.Shipping.Country, "address_hash": addr},
		"created_at": fmtTime(oi.CreatedAt),
	}
}

func (l Line) value() map[string]any {
	return map[string]any{"sku": l.SKU, "title": l.Title, "variant": l.Variant,
		"unit_price": l.UnitPrice, "quantity": l.Quantity, "total": l.Total}
}

func decodeOrderInfo(t *tree, n *node, name string) (OrderInfo, error) {
	var err error
	o := readObject(t, n, name, &err)
	if o.str("type") != typeOrderInfo && err == nil {
		o.fail("type", "not %s", typeOrderInfo)
	}
	oi := OrderInfo{CheckoutID: o.str("checkout_id"), BuyerID: o.str("buyer_id"), OrgID: o.str("org_id"),
		Nonce: o.str("nonce"), Currency: o.str("currency"), Total: o.int("total"), CreatedAt: o.time("created_at")}
	s := o.object("shipping")
	oi.Shipping = Shipping{Method: s.str("method"), Country: s.str("country")}
	if a := s.str("address_hash"); a != "" {
		d, derr := ParseDigest(a)
		if derr != nil || d.IsZero() {
			s.fail("address_hash", "not a digest, or all zero (\"\" is for none)")
		}
		oi.Shipping.AddressHash = d
	}
	s.done()
	for _, p := range o.objects("orders") {
		part := OrderPart{OrderID: p.str("order_id"), MerchantID: p.str("merchant_id"), MerchantName: p.str("merchant_name"),
			Subtotal: p.int("subtotal"), Shipping: p.int("shipping"), Tax: p.int("tax"), Total: p.int("total")}
		for _, l := range p.objects("lines") {
			part.Lines = append(part.Lines, decodeLine(l))
		}
		p.done()
		oi.Orders = append(oi.Orders, part)
	}
	o.done()
	if err != nil {
		return OrderInfo{}, err
	}
	return oi, oi.validate()
}

func decodeLine(o *obj) Line {
	l := Line{SKU: o.str("sku"), Title: o.str("title"), Variant: o.str("variant"),
		UnitPrice: o.int("unit_price"), Quantity: o.int("quantity"), Total: o.int("total")}
	o.done()
	return l
}

// validate checks the fields and that the amounts add up.
func (oi *OrderInfo) validate() error {
	if err := firstErr(
		checkID("order info checkout_id", oi.CheckoutID),
		checkID("order info buyer_id", oi.BuyerID),
		checkNonce("order info nonce", oi.Nonce),
		checkCurrency("order info currency", oi.Currency),
		checkShipping(oi.Shipping),
	); err != nil {
		return err
	}
	if oi.OrgID != "" {
		if err := checkID("order info org_id", oi.OrgID); err != nil {
			return err
		}
	}
	if !validTime(oi.CreatedAt) {
		return fmt.Errorf("%w: order info created_at %v", ErrInvalidDocument, oi.CreatedAt)
	}
	if len(oi.Orders) == 0 || len(oi.Orders) > maxOrders {
		return fmt.Errorf("%w: order info has %d orders (1 to %d)", ErrInvalidDocument, len(oi.Orders), maxOrders)
	}
	seen := map[string]bool{}
	var total int64
	for _, p := range oi.Orders {
		if seen[p.OrderID] {
			return fmt.Errorf("%w: order %s listed twice", ErrInvalidDocument, p.OrderID)
		}
		seen[p.OrderID] = true
		if err := p.validate(); err != nil {
			return err
		}
		var ok bool
		if total, ok = add(total, p.Total); !ok {
			return fmt.Errorf("%w: order info total out of range", ErrInvalidDocument)
		}
	}
	if total != oi.Total {
		return fmt.Errorf("%w: order info total %d, but the orders add up to %d", ErrInvalidDocument, oi.Total, total)
	}
	return nil
}

func checkShipping(s Shipping) error {
	if s.Method == "" || len(s.Method) > 32 || !isLowerWord(s.Method) {
		return fmt.Errorf("%w: shipping method %q", ErrInvalidDocument, s.Method)
	}
	if len(s.Country) != 2 || s.Country[0] < 'A' || s.Country[0] > 'Z' || s.Country[1] < 'A' || s.Country[1] > 'Z' {
		return fmt.Errorf("%w: shipping country %q", ErrInvalidDocument, s.Country)
	}
	return nil
}

func (p OrderPart) validate() error {
	if err := firstErr(
		checkID("order_id", p.OrderID),
		checkID("merchant_id", p.MerchantID),
		checkName("merchant_name", p.MerchantName),
		checkAmount("order subtotal", p.Subtotal),
		checkAmount("order shipping", p.Shipping),
		checkAmount("order tax", p.Tax),
	); err != nil {
		return fmt.Errorf("order %s: %w", p.OrderID, err)
	}
	sub, err := checkLines(p.Lines)
	if err != nil {
		return fmt.Errorf("order %s: %w", p.OrderID, err)
	}
	if sub != p.Subtotal {
		return fmt.Errorf("%w: order %s subtotal %d, but the lines add up to %d", ErrInvalidDocument, p.OrderID, p.Subtotal, sub)
	}
	t, ok1 := add(p.Subtotal, p.Shipping)
	t, ok2 := add(t, p.Tax)
	if !ok1 || !ok2 || t != p.Total {
		return fmt.Errorf("%w: order %s total %d is not subtotal + shipping + tax", ErrInvalidDocument, p.OrderID, p.Total)
	}
	return nil
}

// checkLines validates lines and returns the sum of their totals.
func checkLines(lines []Line) (int64, error) {
	if len(lines) == 0 || len(lines) > maxLines {
		return 0, fmt.Errorf("%w: %d lines (1 to %d)", ErrInvalidDocument, len(lines), maxLines)
	}
	var sum int64
	for i, l := range lines {
		if err := firstErr(
			checkName("sku", l.SKU),
			checkName("title", l.Title),
			checkText("variant", l.Variant, 200, false),
			checkAmount("unit_price", l.UnitPrice),
		); err != nil {
			return 0, fmt.Errorf("line %d: %w", i+1, err)
		}
		if l.Quantity < 1 || l.Quantity > maxQuantity {
			return 0, fmt.Errorf("%w: line %d quantity %d (1 to %d)", ErrInvalidDocument, i+1, l.Quantity, maxQuantity)
		}
		if l.UnitPrice > MaxInteger/l.Quantity || l.UnitPrice*l.Quantity != l.Total {
			return 0, fmt.Errorf("%w: line %d total %d is not unit price × quantity", ErrInvalidDocument, i+1, l.Total)
		}
		var ok bool
		if sum, ok = add(sum, l.Total); !ok {
			return 0, fmt.Errorf("%w: lines add up beyond range", ErrInvalidDocument)
		}
	}
	return sum, nil
}

// add sums two amounts of at most MaxInteger, reporting whether the sum
// stays in range.
func add(a, b int64) (int64, bool) {
	s := a + b
	return s, a >= 0 && b >= 0 && s <= MaxInteger
}

func checkName(field, s string) error {
	if s == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalidDocument, field)
	}
	return checkText(field, s, 500, false)
}

func isLowerWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
