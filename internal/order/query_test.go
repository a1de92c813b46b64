package order_test

import (
	"errors"
	"testing"
	"time"

	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// A buyer sees only their orders and a merchant only theirs; asking for
// anyone else's is not found, and changing it is not found and changes
// nothing.
func TestTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 10)
		buyer, o := f.buy(t, 1)
		otherBuyer, _ := f.buy(t, 1)
		otherMerchant := it.Merchant(t, db)
		if got, err := f.svc.BuyerCheckout(ctx, buyer, o.CheckoutID); err != nil || len(got) != 1 || got[0].ID != o.ID {
			t.Fatalf("BuyerCheckout of the buyer's own checkout = %+v, %v", got, err)
		}
		if got, err := f.svc.BuyerCheckout(ctx, otherBuyer, o.CheckoutID); err != nil || len(got) != 0 {
			t.Fatalf("fail/other-buyer-checkout: %d orders, %v", len(got), err)
		}
		for _, c := range []struct {
			name string
			read func() error
			act  order.Actor
		}{
			{"fail/other-buyer-order", func() error { _, err := f.svc.BuyerOrder(ctx, otherBuyer, o.ID); return err },
				order.Actor{ID: otherBuyer, Kind: order.ByBuyer}},
			{"fail/other-merchant-order", func() error { _, err := f.svc.MerchantOrder(ctx, otherMerchant, o.ID); return err },
				order.Actor{ID: "acc_staff", Kind: order.ByMerchant, MerchantID: otherMerchant}},
			{"fail/unknown-order", func() error { _, err := f.svc.BuyerOrder(ctx, buyer, "ord_unknown"); return err },
				order.Actor{}},
		} {
			t.Run(c.name, func(t *testing.T) {
				if err := c.read(); !errors.Is(err, order.ErrNotFound) {
					t.Errorf("read: %v; want ErrNotFound", err)
				}
				if c.act.Kind == "" {
					return
				}
				before := f.snap(t, o.ID)
				if _, err := f.svc.Cancel(ctx, o.ID, c.act, "not mine"); !errors.Is(err, order.ErrNotFound) {
					t.Errorf("Cancel: %v; want ErrNotFound", err)
				}
				if after := f.snap(t, o.ID); after != before {
					t.Errorf("changed %+v -> %+v", before, after)
				}
			})
		}
		t.Run("fail/merchant-actor-without-merchant", func(t *testing.T) {
			if _, err := f.svc.Cancel(ctx, o.ID, order.Actor{ID: "acc_staff", Kind: order.ByMerchant}, "x"); err == nil {
				t.Error("accepted")
			}
		})
		l, err := f.svc.BuyerOrders(ctx, otherBuyer, order.Page{})
		if err != nil || len(l.Orders) != 1 || l.Orders[0].ID == o.ID || l.Orders[0].Address != nil {
			t.Errorf("other buyer's list = %+v, %v", l, err)
		}
		if l, err := f.svc.MerchantOrders(ctx, otherMerchant, "", order.Page{}); err != nil || len(l.Orders) != 0 {
			t.Errorf("other merchant's list = %+v, %v", l, err)
		}
		// The merchant sees the address it must ship to.
		got, err := f.svc.MerchantOrder(ctx, f.merchant, o.ID)
		if err != nil || got.Address == nil || got.Address.Name != address.Name {
			t.Errorf("MerchantOrder = %+v, %v", got, err)
		}
	})
}

func TestPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 100)
		buyer := it.Buyer(t, db)
		var want []string
		for range 5 {
			if err := f.carts.Add(ctx, buyer, f.variant, 1); err != nil {
				t.Fatal(err)
			}
			orders, err := f.svc.Checkout(ctx, f.request(buyer))
			if err != nil {
				t.Fatal(err)
			}
			want = append([]string{orders[0].ID}, want...) // newest first
			f.clock.Add(time.Second)
		}
		var got []string
		p := order.Page{Limit: 2}
		for pages := 0; ; pages++ {
			l, err := f.svc.BuyerOrders(ctx, buyer, p)
			if err != nil || pages > 3 {
				t.Fatal(err)
			}
			for _, o := range l.Orders {
				got = append(got, o.ID)
			}
			if l.Next == "" {
				break
			}
			p.Cursor = l.Next
		}
		if len(got) != 5 {
			t.Fatalf("paged %v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("paged %v; want %v", got, want)
			}
		}
		// Status filter.
		if _, err := f.svc.Cancel(ctx, want[0], order.Actor{ID: buyer, Kind: order.ByBuyer}, "no"); err != nil {
			t.Fatal(err)
		}
		l, err := f.svc.MerchantOrders(ctx, f.merchant, order.Cancelled, order.Page{})
		if err != nil || len(l.Orders) != 1 || l.Orders[0].ID != want[0] {
			t.Errorf("cancelled = %+v, %v", l, err)
		}
		var ve *order.ValidationError
		for _, c := range []struct {
			name string
			call func() error
		}{
			{"fail/bad-cursor", func() error { _, err := f.svc.BuyerOrders(ctx, buyer, order.Page{Cursor: "1.ord_x"}); return err }},
			{"fail/cursor-sql", func() error {
				_, err := f.svc.BuyerOrders(ctx, buyer, order.Page{Cursor: "1 OR 1=1." + want[0]})
				return err
			}},
			{"fail/limit", func() error { _, err := f.svc.BuyerOrders(ctx, buyer, order.Page{Limit: 101}); return err }},
			{"fail/status", func() error { _, err := f.svc.MerchantOrders(ctx, f.merchant, "lost", order.Page{}); return err }},
		} {
			t.Run(c.name, func(t *testing.T) {
				if err := c.call(); !errors.As(err, &ve) {
					t.Errorf("err = %v; want a ValidationError", err)
				}
			})
		}
	})
}
