package escrow_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
	pt "github.com/citadel-store/citadel/internal/payment/paymenttest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// 500 concurrent payments, each racing a second confirmation with another
// key, a third of them refunded at once: every checkout is paid exactly
// once, the acquirer captured exactly what the ledger holds, and the
// ledger checks.
func TestConcurrentPaymentsAndRefunds(t *testing.T) {
	if testing.Short() {
		t.Skip("500 checkouts per engine")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := pt.New(t, db)
		const n = 500
		type co struct {
			buyer  string
			orders []order.Order
		}
		cos := make([]co, n)
		for i := range cos {
			cos[i].buyer, cos[i].orders = f.Checkout(t, 1+i%3, i%2)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 3*n)
		for i, c := range cos {
			for dup := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := f.Pay.Pay(ctx, pt.Request(c.buyer, c.orders, payment.CardApprove, fmt.Sprint("key-", dup)))
					if err != nil { // the other confirmation won
						if !errors.Is(err, payment.ErrAlreadyPaid) && !errors.Is(err, payment.ErrInProgress) {
							errs <- fmt.Errorf("checkout %d: %w", i, err)
						}
						return
					}
					if i%3 == 0 && p.Status == payment.StatusCaptured {
						_, err := f.Escrow.RefundOrder(ctx, support, p.OrderIDs[0], "changed mind")
						if err != nil {
							errs <- fmt.Errorf("refund %d: %w", i, err)
						}
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// Of each pair of confirmations one won; every checkout has exactly
		// one captured payment.
		if got := it.Int(t, db, `SELECT count(DISTINCT checkout_id) FROM payments WHERE status = 'captured'`); got != n {
			t.Errorf("%d checkouts paid, want %d", got, n)
		}
		if got := it.Int(t, db, `SELECT count(*) FROM payments WHERE status = 'captured'`); got != n {
			t.Errorf("%d captured payments, want %d", got, n)
		}
		if got := it.Int(t, db, `SELECT count(*) FROM payments WHERE status NOT IN ('captured')`); got != 0 {
			t.Errorf("%d payments in other states", got)
		}
		if got := it.Int(t, db, `SELECT count(*) FROM ledger_entries WHERE kind = 'capture'`); got != n {
			t.Errorf("%d capture entries", got)
		}
		captured := it.Int(t, db, `SELECT SUM(captured) FROM sim_acquirer_auths`)
		paid := it.Int(t, db, `SELECT SUM(amount) FROM payments WHERE status = 'captured'`)
		refunded := it.Int(t, db, `SELECT SUM(refunded) FROM sim_acquirer_auths`)
		booked := it.Int(t, db, `SELECT SUM(refunded) FROM escrow_holds`)
		if captured != paid || refunded != booked || refunded == 0 {
			t.Errorf("acquirer captured %d and refunded %d; ledger paid %d and refunded %d", captured, refunded, paid, booked)
		}
		if got := it.Int(t, db, `SELECT count(*) FROM orders WHERE status = 'refunded'`); got != (n+2)/3 {
			t.Errorf("%d orders refunded, want %d", got, (n+2)/3)
		}
		f.Check(t)
	})
}
