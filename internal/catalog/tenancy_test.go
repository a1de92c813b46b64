package catalog_test

import (
	"reflect"
	"testing"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// TestTenancy: merchant B reaches for merchant A's product by its real
// IDs. Every attempt is ErrNotFound, and A's product, variants and images
// are as they were.
func TestTenancy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		pa := must(f.svc.CreateProduct(ctx, f.a.ID, shirt()))(t)
		imgA := must(f.svc.AddImage(ctx, f.a.ID, pa.ID, pngImage(t, 4, 4, 1)))(t)
		pb := f.product(t, f.b, f.kitchen, "Bolt mug", "", 900)
		va := pa.Variants[0].ID
		snapshot := func() catalog.Product {
			t.Helper()
			return must(f.svc.MerchantProduct(ctx, f.a.ID, pa.ID))(t)
		}
		before := snapshot()
		b := f.b.ID

		for _, tc := range []struct {
			name string
			try  func() error
		}{
			{"fail/other-merchant-update", func() error {
				return f.svc.UpdateProduct(ctx, b, pa.ID, catalog.ProductUpdate{Title: "Stolen"})
			}},
			{"fail/other-merchant-archive", func() error { return f.svc.ArchiveProduct(ctx, b, pa.ID) }},
			{"fail/other-merchant-restore", func() error { return f.svc.RestoreProduct(ctx, b, pa.ID) }},
			{"fail/other-merchant-add-variant", func() error {
				_, err := f.svc.AddVariant(ctx, b, pa.ID, catalog.NewVariant{SKU: "X", Price: eur(1)})
				return err
			}},
			{"fail/other-merchant-update-variant", func() error {
				return f.svc.UpdateVariant(ctx, b, pa.ID, va, catalog.VariantUpdate{Price: eur(1)})
			}},
			{"fail/other-merchant-variant-via-own-product", func() error {
				return f.svc.UpdateVariant(ctx, b, pb.ID, va, catalog.VariantUpdate{Price: eur(1)})
			}},
			{"fail/other-merchant-archive-variant", func() error { return f.svc.ArchiveVariant(ctx, b, pa.ID, va) }},
			{"fail/other-merchant-archive-variant-via-own-product", func() error { return f.svc.ArchiveVariant(ctx, b, pb.ID, va) }},
			{"fail/other-merchant-add-image", func() error {
				_, err := f.svc.AddImage(ctx, b, pa.ID, pngImage(t, 4, 4, 2))
				return err
			}},
			{"fail/other-merchant-remove-image", func() error { return f.svc.RemoveImage(ctx, b, pa.ID, imgA) }},
			{"fail/other-merchant-remove-image-via-own-product", func() error { return f.svc.RemoveImage(ctx, b, pb.ID, imgA) }},
			{"fail/other-merchant-read", func() error {
				_, err := f.svc.MerchantProduct(ctx, b, pa.ID)
				return err
			}},
			{"fail/other-merchant-read-image", func() error {
				_, err := f.svc.MerchantImage(ctx, b, imgA)
				return err
			}},
			{"fail/malformed-merchant-id", func() error { return f.svc.ArchiveProduct(ctx, "' OR '1'='1", pa.ID) }},
			{"fail/empty-merchant-id", func() error { return f.svc.ArchiveProduct(ctx, "", pa.ID) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantNotFound(t, tc.try())
				if after := snapshot(); !reflect.DeepEqual(before, after) {
					t.Fatalf("A's product changed:\nbefore %+v\nafter  %+v", before, after)
				}
			})
		}
		if _, err := f.svc.MerchantImage(ctx, f.a.ID, imgA); err != nil {
			t.Fatalf("A lost its image: %v", err)
		}
		if p := must(f.svc.MerchantProduct(ctx, f.b.ID, pb.ID))(t); len(p.Variants) != 1 || len(p.ImageIDs) != 0 {
			t.Fatalf("B's own product gained something: %+v", p)
		}
	})
}
