package order

import (
	"context"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/store"
)

// createOrder writes one merchant's order: its lines (one per variant and
// warehouse the stock came from), totals, sealed address and first event.
func (s *Service) createOrder(ctx context.Context, tx *store.Tx, r CheckoutRequest, now time.Time, checkoutID string,
	items []item, allocs []inventory.Allocation) (Order, error) {
	o := Order{
		ID: ids.New("ord"), CheckoutID: checkoutID, BuyerID: r.BuyerID, OrgID: r.OrgID,
		MerchantID: items[0].merchantID, Status: PendingPayment, ShippingMethod: r.ShippingMethod,
		Country: r.Country, ExpiresAt: now.Add(s.cfg.PaymentTTL), CreatedAt: now, UpdatedAt: now,
		stock: stockReserved,
	}
	var inputs []LineInput
	for _, it := range items {
		for _, a := range allocs {
			if a.VariantID != it.VariantID {
				continue
			}
			o.Lines = append(o.Lines, Line{
				No: len(o.Lines) + 1, ProductID: it.productID, VariantID: it.VariantID, WarehouseID: a.WarehouseID,
				SKU: it.sku, Title: it.title, VariantTitle: it.variantTitle, UnitPrice: it.price, Quantity: a.Quantity,
			})
			inputs = append(inputs, LineInput{UnitPrice: it.price, Quantity: a.Quantity})
		}
	}
	t, err := Compute(inputs, r.Country, r.ShippingMethod)
	if err != nil {
		return Order{}, err
	}
	for i := range o.Lines {
		o.Lines[i].Total, o.Lines[i].Tax, o.Lines[i].TaxBPS = t.Lines[i].Net, t.Lines[i].Tax, t.TaxBPS
	}
	o.Subtotal, o.Shipping, o.Tax, o.Total = t.Subtotal, t.Shipping, t.Tax, t.Total
	addr := r.Address
	o.Address = &addr
	ct, err := s.sealAddress(ctx, o.ID, addr)
	if err != nil {
		return Order{}, err
	}
	var org any
	if o.OrgID != "" {
		org = o.OrgID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO orders (id, checkout_id, buyer_id, org_id, merchant_id, status, currency,
			subtotal, shipping_fee, tax, total, shipping_method, ship_country, address_ct, expires_at, stock_state,
			created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.CheckoutID, o.BuyerID, org, o.MerchantID, string(o.Status), string(o.Total.Currency),
		o.Subtotal.Minor, o.Shipping.Minor, o.Tax.Minor, o.Total.Minor, string(o.ShippingMethod), o.Country, []byte(ct),
		store.Micros(o.ExpiresAt), o.stock, store.Micros(now), store.Micros(now)); err != nil {
		return Order{}, err
	}
	for _, l := range o.Lines {
		if _, err := tx.Exec(ctx, `INSERT INTO order_lines (order_id, line_no, product_id, variant_id, warehouse_id, sku,
				title, variant_title, unit_price, quantity, line_total, tax_bps, tax)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			o.ID, l.No, l.ProductID, l.VariantID, l.WarehouseID, l.SKU, l.Title, l.VariantTitle,
			l.UnitPrice.Minor, l.Quantity, l.Total.Minor, l.TaxBPS, l.Tax.Minor); err != nil {
			return Order{}, err
		}
	}
	buyer := Actor{ID: r.BuyerID, Kind: ByBuyer}
	ev, err := s.addEvent(ctx, tx, o.ID, "", PendingPayment, buyer, "", now)
	if err != nil {
		return Order{}, err
	}
	o.Events = []Event{ev}
	return o, s.record(ctx, tx, buyer.ID, "order.create", o.ID, map[string]string{
		"checkout": o.CheckoutID, "merchant": o.MerchantID, "total": o.Total.String(),
	})
}

// addEvent appends a status change to the order's history. The caller
// holds the order's row lock (or created the order), so seq is unique.
func (s *Service) addEvent(ctx context.Context, tx *store.Tx, orderID string, from, to Status, a Actor, note string,
	at time.Time) (Event, error) {
	ev := Event{From: from, To: to, Actor: a.ID, ActorKind: a.Kind, Note: note, At: store.FromMicros(store.Micros(at))}
	if a.Kind == BySystem {
		ev.Actor = System.ID
	}
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM order_events WHERE order_id = ?`, orderID).Scan(&ev.Seq); err != nil {
		return Event{}, err
	}
	_, err := tx.Exec(ctx, `INSERT INTO order_events (order_id, seq, from_status, to_status, actor, actor_kind, note, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, orderID, ev.Seq, string(from), string(to), ev.Actor, string(a.Kind), note, store.Micros(at))
	return ev, err
}
