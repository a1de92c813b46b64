package catalog_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func shirt() catalog.NewProduct {
	return catalog.NewProduct{
		Title: "  Oxford shirt ", Description: "Woven cotton.\r\nButton-down collar.", Currency: "EUR",
		Variants: []catalog.NewVariant{
			{SKU: "OX-M-BLU", Options: map[string]string{"size": "M", "colour": "Blue"}, Price: eur(4500)},
			{SKU: "OX-L-BLU", Title: "Large blue", Options: map[string]string{"size": "L", "colour": "Blue"}, Price: eur(3900)},
		},
	}
}

func TestCreateProduct(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		np := shirt()
		np.CategoryID = f.shirts.ID
		p := must(f.svc.CreateProduct(ctx, f.a.ID, np))(t)
		if p.Title != "Oxford shirt" || p.Description != "Woven cotton.\nButton-down collar." || p.Status != catalog.StatusActive {
			t.Fatalf("product = %+v", p)
		}
		if p.MinPrice != eur(3900) || p.InStock || p.MerchantName != "Acme Outfitters" || p.CategorySlug != "shirts" {
			t.Fatalf("product = %+v", p)
		}
		if len(p.Variants) != 2 || p.Variants[0].Title != "Blue / M" || p.Variants[1].Title != "Large blue" || p.Variants[1].Position != 1 {
			t.Fatalf("variants = %+v", p.Variants)
		}
		var opts string
		if err := db.QueryRow(ctx, `SELECT options FROM variants WHERE id = ?`, p.Variants[0].ID).Scan(&opts); err != nil {
			t.Fatal(err)
		}
		if opts != `{"colour":"Blue","size":"M"}` {
			t.Fatalf("stored options %s, want canonical JSON", opts)
		}
		pub := must(f.svc.Product(ctx, p.ID))(t)
		if !reflect.DeepEqual(pub, p) {
			t.Fatalf("public view %+v\ndiffers from merchant view %+v", pub, p)
		}
	})
}

func TestProductValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct {
			name  string
			edit  func(*catalog.NewProduct)
			field string
		}{
			{"fail/title-missing", func(p *catalog.NewProduct) { p.Title = " \t" }, "title"},
			{"fail/title-too-long", func(p *catalog.NewProduct) { p.Title = strings.Repeat("é", catalog.MaxTitle+1) }, "title"},
			{"fail/invalid-utf8", func(p *catalog.NewProduct) { p.Title = "Shirt \xc3\x28" }, "title"},
			{"fail/title-control-character", func(p *catalog.NewProduct) { p.Title = "Shirt\x1b[31m" }, "title"},
			{"fail/description-invalid-utf8", func(p *catalog.NewProduct) { p.Description = "ok \xff" }, "description"},
			{"fail/description-too-long", func(p *catalog.NewProduct) { p.Description = strings.Repeat("a", catalog.MaxDescription+1) }, "description"},
			{"fail/description-nul", func(p *catalog.NewProduct) { p.Description = "a\x00b" }, "description"},
			{"fail/unknown-currency", func(p *catalog.NewProduct) { p.Currency = "XXX" }, "currency"},
			{"fail/no-variants", func(p *catalog.NewProduct) { p.Variants = nil }, "variants"},
			{"fail/unknown-category", func(p *catalog.NewProduct) { p.CategoryID = "cat_aaaaaaaaaaaaaaaaaaaaaaaaaa" }, "category"},
			{"fail/malformed-category", func(p *catalog.NewProduct) { p.CategoryID = "'; DROP TABLE products; --" }, "category"},
			{"fail/price-in-other-currency", func(p *catalog.NewProduct) { p.Variants[1].Price = money.New(100, "USD") }, "variants[1].price"},
			{"fail/negative-price", func(p *catalog.NewProduct) { p.Variants[0].Price = eur(-1) }, "variants[0].price"},
			{"fail/duplicate-sku", func(p *catalog.NewProduct) { p.Variants[1].SKU = p.Variants[0].SKU }, "variants[1].sku"},
			{"fail/duplicate-options", func(p *catalog.NewProduct) { p.Variants[1].Options = map[string]string{"colour": "Blue", "size": "M"} }, "variants[1].options"},
			{"fail/sku-with-space", func(p *catalog.NewProduct) { p.Variants[0].SKU = "OX M" }, "variants[0].sku"},
			{"fail/sku-empty", func(p *catalog.NewProduct) { p.Variants[0].SKU = "" }, "variants[0].sku"},
			{"fail/option-value-too-long", func(p *catalog.NewProduct) { p.Variants[0].Options["size"] = strings.Repeat("x", 65) }, "variants[0].options"},
			{"fail/option-empty-name", func(p *catalog.NewProduct) { p.Variants[0].Options[" "] = "x" }, "variants[0].options"},
			{"fail/option-invalid-utf8", func(p *catalog.NewProduct) { p.Variants[0].Options["size"] = "\xff" }, "variants[0].options"},
			{"fail/variant-title-too-long", func(p *catalog.NewProduct) { p.Variants[0].Title = strings.Repeat("x", 201) }, "variants[0].title"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				np := shirt()
				tc.edit(&np)
				_, err := f.svc.CreateProduct(ctx, f.a.ID, np)
				wantInvalid(t, err, tc.field)
			})
		}
		_, err := f.svc.CreateProduct(ctx, "mer_aaaaaaaaaaaaaaaaaaaaaaaaaa", shirt())
		wantNotFound(t, err)
		var n int
		if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM products) + (SELECT COUNT(*) FROM variants)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("refused products left %d rows", n)
		}
	})
}

func TestParsePrice(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		c        money.Currency
		want     int64
		ok       bool
	}{
		{"ok/cents", "12.34", "EUR", 1234, true},
		{"ok/whole", " 12 ", "EUR", 1200, true},
		{"ok/yen", "1200", "JPY", 1200, true},
		{"ok/three-places", "1.005", "KWD", 1005, true},
		{"fail/fraction-of-minor-unit", "12.345", "EUR", 0, false},
		{"fail/fraction-of-yen", "12.5", "JPY", 0, false},
		{"fail/negative", "-1.00", "EUR", 0, false},
		{"fail/exponent", "1e3", "EUR", 0, false},
		{"fail/comma", "1,00", "EUR", 0, false},
		{"fail/empty", "", "EUR", 0, false},
		{"fail/unknown-currency", "1.00", "XXX", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := catalog.ParsePrice("price", tc.in, tc.c)
			if !tc.ok {
				wantInvalid(t, err, "price")
				return
			}
			if err != nil || a != money.New(tc.want, tc.c) {
				t.Fatalf("ParsePrice(%q) = %v, %v; want %d", tc.in, a, err, tc.want)
			}
		})
	}
}

func TestVariants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := must(f.svc.CreateProduct(ctx, f.a.ID, shirt()))(t)
		minPrice := func() money.Amount {
			t.Helper()
			return must(f.svc.MerchantProduct(ctx, f.a.ID, p.ID))(t).MinPrice
		}

		v := must(f.svc.AddVariant(ctx, f.a.ID, p.ID, catalog.NewVariant{SKU: "OX-S-BLU", Options: map[string]string{"size": "S", "colour": "Blue"}, Price: eur(2900)}))(t)
		if v.Position != 2 || v.Title != "Blue / S" || v.Status != catalog.StatusActive || minPrice() != eur(2900) {
			t.Fatalf("added %+v, min price %v", v, minPrice())
		}
		_, err := f.svc.AddVariant(ctx, f.a.ID, p.ID, catalog.NewVariant{SKU: "OX-S-BLU", Options: map[string]string{"size": "XS"}, Price: eur(1)})
		wantInvalid(t, err, "variant.sku")
		_, err = f.svc.AddVariant(ctx, f.a.ID, p.ID, catalog.NewVariant{SKU: "OX-S2", Options: map[string]string{"colour": "Blue", "size": "S"}, Price: eur(1)})
		wantInvalid(t, err, "variant.options")
		_, err = f.svc.AddVariant(ctx, f.a.ID, p.ID, catalog.NewVariant{SKU: "OX-XS", Price: money.New(1, "USD")})
		wantInvalid(t, err, "variant.price")

		err = f.svc.UpdateVariant(ctx, f.a.ID, p.ID, v.ID, catalog.VariantUpdate{Title: "Small", Options: map[string]string{"size": "S"}, Price: eur(5000)})
		if err != nil {
			t.Fatal(err)
		}
		if minPrice() != eur(3900) {
			t.Fatalf("after raising the cheapest: min price %v, want 39.00", minPrice())
		}
		wantInvalid(t, f.svc.UpdateVariant(ctx, f.a.ID, p.ID, v.ID, catalog.VariantUpdate{Price: eur(-5)}), "variant.price")

		// Archive all but one; the last refuses.
		got := must(f.svc.MerchantProduct(ctx, f.a.ID, p.ID))(t)
		f.setAvailable(t, p.ID, 3)
		if err := f.svc.ArchiveVariant(ctx, f.a.ID, p.ID, got.Variants[1].ID); err != nil { // the 39.00 one
			t.Fatal(err)
		}
		if minPrice() != eur(4500) {
			t.Fatalf("after archiving the cheapest: min price %v, want 45.00", minPrice())
		}
		if err := f.svc.ArchiveVariant(ctx, f.a.ID, p.ID, v.ID); err != nil {
			t.Fatal(err)
		}
		before := must(f.svc.MerchantProduct(ctx, f.a.ID, p.ID))(t)
		wantInvalid(t, f.svc.ArchiveVariant(ctx, f.a.ID, p.ID, got.Variants[0].ID), "variant")
		after := must(f.svc.MerchantProduct(ctx, f.a.ID, p.ID))(t)
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("refused archive changed the product:\n%+v\n%+v", before, after)
		}
		if !after.InStock || len(after.Variants) != 3 {
			t.Fatalf("merchant view: %+v", after)
		}
		if pub := must(f.svc.Product(ctx, p.ID))(t); len(pub.Variants) != 1 || pub.Variants[0].ID != got.Variants[0].ID || pub.Variants[0].Available != 3 {
			t.Fatalf("public view shows variants %+v, want only the active one", pub.Variants)
		}
		wantNotFound(t, f.svc.ArchiveVariant(ctx, f.a.ID, p.ID, "var_aaaaaaaaaaaaaaaaaaaaaaaaaa"))
	})
}

func TestUpdateAndArchiveProduct(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := must(f.svc.CreateProduct(ctx, f.a.ID, shirt()))(t)
		err := f.svc.UpdateProduct(ctx, f.a.ID, p.ID, catalog.ProductUpdate{Title: "Poplin shirt", Description: "Crisp.", CategoryID: f.shirts.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := must(f.svc.Product(ctx, p.ID))(t)
		if got.Title != "Poplin shirt" || got.CategoryID != f.shirts.ID || !got.UpdatedAt.After(p.UpdatedAt) {
			t.Fatalf("after update: %+v", got)
		}
		if r := must(f.svc.Search(ctx, catalog.Query{Text: "poplin"}))(t); len(r.Hits) != 1 {
			t.Fatalf("search after retitling finds %d", len(r.Hits))
		}
		if r := must(f.svc.Search(ctx, catalog.Query{Text: "oxford"}))(t); len(r.Hits) != 0 {
			t.Fatalf("search finds the old title")
		}
		wantInvalid(t, f.svc.UpdateProduct(ctx, f.a.ID, p.ID, catalog.ProductUpdate{Title: ""}), "title")
		wantInvalid(t, f.svc.UpdateProduct(ctx, f.a.ID, p.ID, catalog.ProductUpdate{Title: "x", CategoryID: "cat_aaaaaaaaaaaaaaaaaaaaaaaaaa"}), "category")
		if again := must(f.svc.Product(ctx, p.ID))(t); again.Title != "Poplin shirt" || again.CategoryID != f.shirts.ID {
			t.Fatalf("refused updates changed the product: %+v", again)
		}

		if err := f.svc.ArchiveProduct(ctx, f.a.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Product(ctx, p.ID)
		wantNotFound(t, err)
		if mp := must(f.svc.MerchantProduct(ctx, f.a.ID, p.ID))(t); mp.Status != catalog.StatusArchived {
			t.Fatalf("merchant sees status %q", mp.Status)
		}
		if err := f.svc.RestoreProduct(ctx, f.a.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		must(f.svc.Product(ctx, p.ID))(t)
	})
}
