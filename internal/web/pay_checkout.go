package web

import (
	"context"
	"time"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
)

// checkoutScanPages bounds how far back in a buyer's history the orders
// of a checkout are looked for (pages of 100, newest first). A checkout
// waiting for payment is at most the payment window old, so it is on the
// first page unless the buyer placed a hundred orders since.
const checkoutScanPages = 5

// checkoutOrders returns the buyer's orders of one checkout, or none.
// The buyer is in the query, so another buyer's checkout is not found.
// Orders of one checkout are created together and are adjacent in the
// newest-first history, so the scan stops at the end of the group.
func (p *Pages) checkoutOrders(ctx context.Context, buyerID, checkoutID string) ([]order.Order, error) {
	var out []order.Order
	cursor := ""
	for range checkoutScanPages {
		l, err := p.orders.BuyerOrders(ctx, buyerID, order.Page{Limit: 100, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, o := range l.Orders {
			switch {
			case o.CheckoutID == checkoutID:
				out = append(out, o)
			case len(out) > 0:
				return out, nil
			}
		}
		if l.Next == "" {
			break
		}
		cursor = l.Next
	}
	return out, nil
}

// due is what a checkout still asks to be paid: its orders waiting for
// payment within their window, and their total. paid tells whether some
// order of the checkout is already past payment.
type due struct {
	Orders []order.Order
	Total  money.Amount
	Paid   bool
}

func dueOf(orders []order.Order, now time.Time) (due, error) {
	var d due
	for _, o := range orders {
		switch {
		case o.Status == order.PendingPayment && now.Before(o.ExpiresAt):
			if len(d.Orders) == 0 {
				d.Total = money.New(0, o.Total.Currency)
			}
			t, err := d.Total.Add(o.Total)
			if err != nil {
				return due{}, err
			}
			d.Orders, d.Total = append(d.Orders, o), t
		case o.Status != order.PendingPayment && o.Status != order.Cancelled:
			d.Paid = true
		}
	}
	return d, nil
}
