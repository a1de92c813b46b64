package api

import (
	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/order"
)

type cartLineJSON struct {
	VariantID    string      `json:"variant_id"`
	ProductID    string      `json:"product_id"`
	Merchant     merchantRef `json:"merchant"`
	SKU          string      `json:"sku"`
	Title        string      `json:"title"`
	VariantTitle string      `json:"variant_title"`
	UnitPrice    moneyJSON   `json:"unit_price"`
	SeenPrice    moneyJSON   `json:"seen_price"`
	Quantity     int         `json:"quantity"`
	LineTotal    moneyJSON   `json:"line_total"`
	Buyable      bool        `json:"buyable"`
	AddedAt      string      `json:"added_at"`
}

type subtotalJSON struct {
	Merchant merchantRef `json:"merchant"`
	Amount   moneyJSON   `json:"amount"`
}

type warningJSON struct {
	Kind      string `json:"kind"`
	VariantID string `json:"variant_id,omitempty"`
}

type cartJSON struct {
	Lines     []cartLineJSON `json:"lines"`
	Subtotals []subtotalJSON `json:"subtotals"`
	Warnings  []warningJSON  `json:"warnings"`
}

func cartOut(v cart.View) cartJSON {
	out := cartJSON{Lines: make([]cartLineJSON, len(v.Lines)), Subtotals: make([]subtotalJSON, len(v.Subtotals)),
		Warnings: make([]warningJSON, len(v.Warnings))}
	for i, l := range v.Lines {
		out.Lines[i] = cartLineJSON{
			VariantID: l.VariantID, ProductID: l.ProductID, Merchant: merchantRef{ID: l.MerchantID, Name: l.MerchantName},
			SKU: l.SKU, Title: l.Title, VariantTitle: l.VariantTitle, UnitPrice: moneyOut(l.UnitPrice),
			SeenPrice: moneyOut(l.SeenPrice), Quantity: l.Quantity, LineTotal: moneyOut(l.LineTotal), Buyable: l.Buyable,
			AddedAt: timeOut(l.AddedAt),
		}
	}
	for i, s := range v.Subtotals {
		out.Subtotals[i] = subtotalJSON{Merchant: merchantRef{ID: s.MerchantID, Name: s.MerchantName}, Amount: moneyOut(s.Amount)}
	}
	for i, w := range v.Warnings {
		out.Warnings[i] = warningJSON{Kind: string(w.Kind), VariantID: w.VariantID}
	}
	return out
}

type addressJSON struct {
	Name     string `json:"name"`
	Line1    string `json:"line1"`
	Line2    string `json:"line2,omitempty"`
	Line3    string `json:"line3,omitempty"`
	City     string `json:"city"`
	Postcode string `json:"postcode"`
	Country  string `json:"country"`
	Phone    string `json:"phone,omitempty"`
}

type orderLineJSON struct {
	No           int       `json:"no"`
	ProductID    string    `json:"product_id"`
	VariantID    string    `json:"variant_id"`
	WarehouseID  string    `json:"warehouse_id,omitempty"`
	SKU          string    `json:"sku"`
	Title        string    `json:"title"`
	VariantTitle string    `json:"variant_title"`
	UnitPrice    moneyJSON `json:"unit_price"`
	Quantity     int       `json:"quantity"`
	Total        moneyJSON `json:"total"`
	TaxBPS       int64     `json:"tax_bps"`
	Tax          moneyJSON `json:"tax"`
}

// eventJSON is a status change. Who made it is told by kind only: the
// account ID of a merchant's staff is none of the buyer's business.
type eventJSON struct {
	Seq       int    `json:"seq"`
	From      string `json:"from,omitempty"`
	To        string `json:"to"`
	ActorKind string `json:"actor_kind"`
	Note      string `json:"note,omitempty"`
	At        string `json:"at"`
}

type orderJSON struct {
	ID             string          `json:"id"`
	CheckoutID     string          `json:"checkout_id"`
	MerchantID     string          `json:"merchant_id"`
	Status         string          `json:"status"`
	Subtotal       moneyJSON       `json:"subtotal"`
	Shipping       moneyJSON       `json:"shipping"`
	Tax            moneyJSON       `json:"tax"`
	Total          moneyJSON       `json:"total"`
	ShippingMethod string          `json:"shipping_method"`
	Country        string          `json:"country"`
	Carrier        string          `json:"carrier,omitempty"`
	Tracking       string          `json:"tracking,omitempty"`
	CancelReason   string          `json:"cancel_reason,omitempty"`
	ExpiresAt      string          `json:"expires_at,omitempty"`
	CreatedAt      string          `json:"created_at"`
	UpdatedAt      string          `json:"updated_at"`
	Address        *addressJSON    `json:"address,omitempty"`
	Lines          []orderLineJSON `json:"lines,omitempty"`
	Events         []eventJSON     `json:"events,omitempty"`
}

// orderOut shapes an order; forMerchant adds the warehouses the lines
// ship from.
func orderOut(o order.Order, forMerchant bool) orderJSON {
	out := orderJSON{
		ID: o.ID, CheckoutID: o.CheckoutID, MerchantID: o.MerchantID, Status: string(o.Status),
		Subtotal: moneyOut(o.Subtotal), Shipping: moneyOut(o.Shipping), Tax: moneyOut(o.Tax), Total: moneyOut(o.Total),
		ShippingMethod: string(o.ShippingMethod), Country: o.Country, Carrier: o.Carrier, Tracking: o.Tracking,
		CancelReason: o.CancelReason, ExpiresAt: timeOut(o.ExpiresAt), CreatedAt: timeOut(o.CreatedAt),
		UpdatedAt: timeOut(o.UpdatedAt),
	}
	if a := o.Address; a != nil {
		out.Address = &addressJSON{Name: a.Name, City: a.City, Postcode: a.Postcode, Country: o.Country, Phone: a.Phone}
		for i, l := range a.Lines {
			switch i {
			case 0:
				out.Address.Line1 = l
			case 1:
				out.Address.Line2 = l
			case 2:
				out.Address.Line3 = l
			}
		}
	}
	for _, l := range o.Lines {
		lj := orderLineJSON{No: l.No, ProductID: l.ProductID, VariantID: l.VariantID, SKU: l.SKU, Title: l.Title,
			VariantTitle: l.VariantTitle, UnitPrice: moneyOut(l.UnitPrice), Quantity: l.Quantity, Total: moneyOut(l.Total),
			TaxBPS: l.TaxBPS, Tax: moneyOut(l.Tax)}
		if forMerchant {
			lj.WarehouseID = l.WarehouseID
		}
		out.Lines = append(out.Lines, lj)
	}
	for _, e := range o.Events {
		out.Events = append(out.Events, eventJSON{Seq: e.Seq, From: string(e.From), To: string(e.To),
			ActorKind: string(e.ActorKind), Note: e.Note, At: timeOut(e.At)})
	}
	return out
}

type orderListJSON struct {
	Orders     []orderJSON `json:"orders"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func orderListOut(l order.List, forMerchant bool) orderListJSON {
	out := orderListJSON{Orders: make([]orderJSON, len(l.Orders)), NextCursor: l.Next}
	for i, o := range l.Orders {
		out.Orders[i] = orderOut(o, forMerchant)
	}
	return out
}

type warehouseJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Country   string `json:"country"`
	CreatedAt string `json:"created_at"`
}

func warehouseOut(w inventory.Warehouse) warehouseJSON {
	return warehouseJSON{ID: w.ID, Name: w.Name, Country: w.Country, CreatedAt: timeOut(w.CreatedAt)}
}

type stockLevelJSON struct {
	WarehouseID   string `json:"warehouse_id"`
	WarehouseName string `json:"warehouse_name"`
	Country       string `json:"country"`
	OnHand        int    `json:"on_hand"`
	Reserved      int    `json:"reserved"`
	Available     int    `json:"available"`
	UpdatedAt     string `json:"updated_at,omitempty"`
}

func levelOut(l inventory.Level) stockLevelJSON {
	return stockLevelJSON{WarehouseID: l.WarehouseID, WarehouseName: l.WarehouseName, Country: l.Country,
		OnHand: l.OnHand, Reserved: l.Reserved, Available: l.Available, UpdatedAt: timeOut(l.UpdatedAt)}
}
