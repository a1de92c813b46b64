package order

import (
	"context"
	"strconv"
	"strings"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/store"
)

const orderCols = `id, checkout_id, buyer_id, COALESCE(org_id, ''), merchant_id, status, currency,
	subtotal, shipping_fee, tax, total, shipping_method, ship_country, COALESCE(carrier, ''), COALESCE(tracking, ''),
	COALESCE(cancel_reason, ''), COALESCE(expires_at, 0), stock_state, created_at, updated_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanOrder(r rowScanner, extra ...any) (Order, error) {
	var o Order
	var status, cur, method string
	var expires, created, updated int64
	dest := append([]any{&o.ID, &o.CheckoutID, &o.BuyerID, &o.OrgID, &o.MerchantID, &status, &cur,
		&o.Subtotal.Minor, &o.Shipping.Minor, &o.Tax.Minor, &o.Total.Minor, &method, &o.Country, &o.Carrier, &o.Tracking,
		&o.CancelReason, &expires, &o.stock, &created, &updated}, extra...)
	if err := r.Scan(dest...); err != nil {
		return Order{}, store.NotFound(err)
	}
	c := money.Currency(cur)
	o.Status, o.ShippingMethod = Status(status), shipping.Method(method)
	o.Subtotal.Currency, o.Shipping.Currency, o.Tax.Currency, o.Total.Currency = c, c, c, c
	if expires != 0 {
		o.ExpiresAt = store.FromMicros(expires)
	}
	o.CreatedAt, o.UpdatedAt = store.FromMicros(created), store.FromMicros(updated)
	return o, nil
}

// load reads one order matching where (which names the order and, for
// tenancy, its buyer or merchant) with its lines, events and address.
// With lock it takes the row lock for a status change and skips the
// address.
func (s *Service) load(ctx context.Context, q store.Querier, lock bool, where string, args ...any) (Order, error) {
	query := `SELECT ` + orderCols + `, address_ct FROM orders WHERE ` + where
	if lock && q.Engine() == store.Postgres {
		query += ` FOR UPDATE`
	}
	var ct []byte
	o, err := scanOrder(q.QueryRow(ctx, query, args...), &ct)
	if err != nil {
		return Order{}, err
	}
	if o.Lines, err = lines(ctx, q, o.ID); err != nil {
		return Order{}, err
	}
	if lock {
		return o, nil
	}
	if o.Events, err = events(ctx, q, o.ID); err != nil {
		return Order{}, err
	}
	if o.Address, err = s.openAddress(ctx, o.ID, ct); err != nil {
		return Order{}, err
	}
	return o, nil
}

func lines(ctx context.Context, q store.Querier, orderID string) ([]Line, error) {
	rows, err := q.Query(ctx, `SELECT o.currency, l.line_no, l.product_id, l.variant_id, l.warehouse_id, l.sku, l.title,
			l.variant_title, l.unit_price, l.quantity, l.line_total, l.tax_bps, l.tax
		FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.order_id = ? ORDER BY l.line_no`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var l Line
		var cur string
		if err := rows.Scan(&cur, &l.No, &l.ProductID, &l.VariantID, &l.WarehouseID, &l.SKU, &l.Title, &l.VariantTitle,
			&l.UnitPrice.Minor, &l.Quantity, &l.Total.Minor, &l.TaxBPS, &l.Tax.Minor); err != nil {
			return nil, err
		}
		c := money.Currency(cur)
		l.UnitPrice.Currency, l.Total.Currency, l.Tax.Currency = c, c, c
		out = append(out, l)
	}
	return out, rows.Err()
}

func events(ctx context.Context, q store.Querier, orderID string) ([]Event, error) {
	rows, err := q.Query(ctx, `SELECT seq, from_status, to_status, actor, actor_kind, note, at FROM order_events
		WHERE order_id = ? ORDER BY seq`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var from, to, kind string
		var at int64
		if err := rows.Scan(&e.Seq, &from, &to, &e.Actor, &kind, &e.Note, &at); err != nil {
			return nil, err
		}
		e.From, e.To, e.ActorKind, e.At = Status(from), Status(to), ActorKind(kind), store.FromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Get reads an order with its lines, events and address, inside or
// outside a transaction, without any tenancy check: for the payment
// service and support tools, never for a buyer's or merchant's request.
func (s *Service) Get(ctx context.Context, q store.Querier, orderID string) (Order, error) {
	return s.load(ctx, q, false, `id = ?`, orderID)
}

// ForUpdate reads an order and its lines inside tx and locks its row
// until tx ends, for a caller about to change it (Address and Events
// are left empty).
func (s *Service) ForUpdate(ctx context.Context, tx *store.Tx, orderID string) (Order, error) {
	return s.load(ctx, tx, true, `id = ?`, orderID)
}

// CheckoutOrders lists the orders of one checkout (one per merchant),
// without addresses or lines: what the payment service charges.
func (s *Service) CheckoutOrders(ctx context.Context, q store.Querier, checkoutID string) ([]Order, error) {
	return list(ctx, q, `SELECT `+orderCols+` FROM orders WHERE checkout_id = ? ORDER BY merchant_id`, checkoutID)
}

// BuyerCheckout lists the buyer's orders of one checkout (one per
// merchant), without addresses or lines. Another buyer's checkout, like
// an unknown one, is an empty list: the buyer is in the query.
func (s *Service) BuyerCheckout(ctx context.Context, buyerID, checkoutID string) ([]Order, error) {
	return list(ctx, s.db, `SELECT `+orderCols+` FROM orders WHERE checkout_id = ? AND buyer_id = ? ORDER BY merchant_id`, checkoutID, buyerID)
}

// BuyerOrder is one of the buyer's orders with lines, events and address.
// Another buyer's order is ErrNotFound.
func (s *Service) BuyerOrder(ctx context.Context, buyerID, orderID string) (Order, error) {
	return s.load(ctx, s.db, false, `id = ? AND buyer_id = ?`, orderID, buyerID)
}

// MerchantOrder is one of the merchant's orders with lines, events and
// the address to ship to. Another merchant's order is ErrNotFound.
func (s *Service) MerchantOrder(ctx context.Context, merchantID, orderID string) (Order, error) {
	return s.load(ctx, s.db, false, `id = ? AND merchant_id = ?`, orderID, merchantID)
}

// Page asks for a page of a list, newest first.
type Page struct {
	Limit  int    // 1 to 100; 0 means 20
	Cursor string // List.Next of the previous page; "" for the first
}

// List is a page of orders without addresses, lines or events.
type List struct {
	Orders []Order
	Next   string // cursor of the next page; "" on the last
}

// BuyerOrders lists the buyer's orders, newest first.
func (s *Service) BuyerOrders(ctx context.Context, buyerID string, p Page) (List, error) {
	return s.page(ctx, `buyer_id = ?`, []any{buyerID}, p)
}

// MerchantOrders lists the merchant's orders, newest first, all of them
// or those in one status.
func (s *Service) MerchantOrders(ctx context.Context, merchantID string, status Status, p Page) (List, error) {
	if status == "" {
		return s.page(ctx, `merchant_id = ?`, []any{merchantID}, p)
	}
	if _, ok := ParseStatus(string(status)); !ok {
		return List{}, &ValidationError{"status", "unknown status"}
	}
	return s.page(ctx, `merchant_id = ? AND status = ?`, []any{merchantID, string(status)}, p)
}

func (s *Service) page(ctx context.Context, where string, args []any, p Page) (List, error) {
	limit := p.Limit
	if limit == 0 {
		limit = 20
	}
	if limit < 1 || limit > 100 {
		return List{}, &ValidationError{"limit", "ask for 1 to 100 orders"}
	}
	if p.Cursor != "" {
		at, id, err := parseCursor(p.Cursor)
		if err != nil {
			return List{}, err
		}
		where += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, at, at, id)
	}
	orders, err := list(ctx, s.db, `SELECT `+orderCols+` FROM orders WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return List{}, err
	}
	var l List
	if len(orders) > limit {
		orders = orders[:limit]
		last := orders[limit-1]
		l.Next = strconv.FormatInt(store.Micros(last.CreatedAt), 10) + "." + last.ID
	}
	l.Orders = orders
	return l, nil
}

// parseCursor reads "<created_at micros>.<order ID>", strictly: it comes
// back from the client.
func parseCursor(c string) (int64, string, error) {
	bad := &ValidationError{"cursor", "this page link is not valid"}
	at, id, ok := strings.Cut(c, ".")
	if !ok || len(at) == 0 || len(at) > 19 || (len(at) > 1 && at[0] == '0') || !ids.Valid("ord", id) {
		return 0, "", bad
	}
	for _, r := range at {
		if r < '0' || r > '9' {
			return 0, "", bad
		}
	}
	n, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return 0, "", bad
	}
	return n, id, nil
}

func list(ctx context.Context, q store.Querier, query string, args ...any) ([]Order, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
