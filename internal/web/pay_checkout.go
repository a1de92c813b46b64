package web

import (
	"time"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
)

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
