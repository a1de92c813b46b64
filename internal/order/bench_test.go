package order_test

import (
	"sync/atomic"
	"testing"

	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/storetest"
)

// BenchmarkCheckout measures whole checkouts (cart lock, reservation,
// catalog re-check, sealed address, order, lines, event, cart emptied) of
// a one-line cart, on each engine.
//
//	serial:   one buyer after another; filling the cart is not timed.
//	parallel: GOMAXPROCS buyers at once on the same product (the
//	          contended case); each iteration is Add + Checkout.
//
//	go test -run XXX -bench Checkout ./internal/order/
func BenchmarkCheckout(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(string(e), func(b *testing.B) {
			f := newFixture(b, storetest.Open(b, e), 1_000_000_000)
			b.Run("serial", func(b *testing.B) {
				buyer := it.Buyer(b, f.db)
				req := f.request(buyer)
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					if err := f.carts.Add(ctx, buyer, f.variant, 1); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := f.svc.Checkout(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
			})
			b.Run("parallel", func(b *testing.B) {
				var n atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					buyer := it.Buyer(b, f.db)
					req := f.request(buyer)
					for pb.Next() {
						if err := f.carts.Add(ctx, buyer, f.variant, 1); err != nil {
							b.Error(err)
							return
						}
						if _, err := f.svc.Checkout(ctx, req); err != nil {
							b.Error(err)
							return
						}
						n.Add(1)
					}
				})
				b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "orders/s")
			})
		})
	}
}
