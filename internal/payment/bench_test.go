package payment_test

import (
	"fmt"
	"testing"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/payment"
	pt "github.com/citadel-store/citadel/internal/payment/paymenttest"
	"github.com/citadel-store/citadel/internal/storetest"
)

// BenchmarkPay measures one whole payment of a one-order checkout with a
// new card: tokenization (sealing), authorisation and capture at the
// simulated acquirer (its own transactions), and the booking transaction
// (order paid, escrow hold, ledger entry, audit event). The checkout is
// made outside the timer.
func BenchmarkPay(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.Open(b, e)
			f := pt.New(b, db)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				buyer, orders := f.Checkout(b, 1)
				b.StartTimer()
				p, err := f.Pay.Pay(ctx, pt.Request(buyer, orders, payment.CardApprove, fmt.Sprint("k", i)))
				if err != nil || p.Status != payment.StatusCaptured {
					b.Fatal(p, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
			b.StopTimer()
			if err := money.Check(ctx, db); err != nil {
				b.Fatal(err)
			}
		})
	}
}
