package api

import (
	"time"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
)

// due is what a checkout still asks to be paid: its orders waiting for
// payment within their window and their total; paid tells whether an
// order of the checkout is already past payment.
type due struct {
	orders []order.Order
	total  money.Amount
	paid   bool
}

func dueOf(orders []order.Order, now time.Time) (due, error) {
	var d due
	for _, o := range orders {
		switch {
		case o.Status == order.PendingPayment && now.Before(o.ExpiresAt):
			if len(d.orders) == 0 {
				d.total = money.New(0, o.Total.Currency)
			}
			t, err := d.total.Add(o.Total)
			if err != nil {
				return due{}, err
			}
			d.orders, d.total = append(d.orders, o), t
		case o.Status != order.PendingPayment && o.Status != order.Cancelled:
			d.paid = true
		}
	}
	return d, nil
}
