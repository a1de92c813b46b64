package catalog_test

import (
	"errors"
	"testing"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMerchants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		got := must(f.svc.Merchant(ctx, f.a.ID))(t)
		if got != f.a || got.Status != catalog.StatusActive || got.CreatedAt.IsZero() {
			t.Fatalf("Merchant = %+v, want %+v", got, f.a)
		}
		if got := must(f.svc.MerchantBySlug(ctx, "bolt"))(t); got.ID != f.b.ID || got.Name != "Bolt & Co" {
			t.Fatalf("MerchantBySlug = %+v", got)
		}
		all := must(f.svc.Merchants(ctx))(t)
		if len(all) != 2 || all[0].ID != f.a.ID || all[1].ID != f.b.ID {
			t.Fatalf("Merchants = %+v, want Acme then Bolt", all)
		}

		_, err := f.svc.CreateMerchant(ctx, "Other Acme", "acme")
		wantInvalid(t, err, "slug")
		if !errors.Is(err, catalog.ErrConflict) || !errors.Is(err, store.ErrConflict) {
			t.Fatalf("taken slug: %v does not wrap ErrConflict", err)
		}
		for name, tc := range map[string]struct{ name, slug, field string }{
			"fail/empty-name":        {"  ", "ok-slug", "name"},
			"fail/invalid-utf8":      {"Bad \xff", "ok-slug", "name"},
			"fail/control-character": {"Bad\x00name", "ok-slug", "name"},
			"fail/upper-case-slug":   {"Fine", "Fine", "slug"},
			"fail/slug-with-space":   {"Fine", "a b", "slug"},
			"fail/slug-double-dash":  {"Fine", "a--b", "slug"},
			"fail/slug-edge-dash":    {"Fine", "-ab", "slug"},
			"fail/slug-too-short":    {"Fine", "a", "slug"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := f.svc.CreateMerchant(ctx, tc.name, tc.slug)
				wantInvalid(t, err, tc.field)
			})
		}
		if n := len(must(f.svc.Merchants(ctx))(t)); n != 2 {
			t.Fatalf("refused merchants were created: %d merchants", n)
		}

		_, err = f.svc.Merchant(ctx, "mer_nonexistent")
		wantNotFound(t, err)
		_, err = f.svc.MerchantBySlug(ctx, "nobody")
		wantNotFound(t, err)
		wantNotFound(t, f.svc.SetMerchantStatus(ctx, "mer_aaaaaaaaaaaaaaaaaaaaaaaaaa", catalog.StatusSuspended))
		wantInvalid(t, f.svc.SetMerchantStatus(ctx, f.a.ID, "banned"), "status")
		if err := f.svc.SetMerchantStatus(ctx, f.a.ID, catalog.StatusSuspended); err != nil {
			t.Fatal(err)
		}
		if got := must(f.svc.Merchant(ctx, f.a.ID))(t); got.Status != catalog.StatusSuspended {
			t.Fatalf("status = %q, want suspended", got.Status)
		}
	})
}

func TestCategories(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tees := must(f.svc.CreateCategory(ctx, "T-shirts", "t-shirts", f.shirts.ID))(t)
		shoes := must(f.svc.CreateCategory(ctx, "Shoes", "shoes", f.clothing.ID))(t)
		all := must(f.svc.Categories(ctx))(t)
		var got []string
		for _, c := range all {
			got = append(got, c.Slug+":"+string(rune('0'+c.Depth)))
		}
		want := []string{"clothing:0", "shirts:1", "t-shirts:2", "shoes:1", "kitchen:0"}
		if len(got) != len(want) {
			t.Fatalf("Categories = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Categories = %v, want %v", got, want)
			}
		}
		if shoes.Position != 1 || tees.ParentID != f.shirts.ID || tees.Depth != 2 {
			t.Fatalf("created categories: %+v %+v", shoes, tees)
		}
		if c := must(f.svc.CategoryBySlug(ctx, "t-shirts"))(t); c.ID != tees.ID || c.Depth != 2 {
			t.Fatalf("CategoryBySlug = %+v", c)
		}
		_, err := f.svc.CategoryBySlug(ctx, "hats")
		wantNotFound(t, err)

		_, err = f.svc.CreateCategory(ctx, "Shirts again", "shirts", "")
		wantInvalid(t, err, "slug")
		_, err = f.svc.CreateCategory(ctx, "Orphan", "orphan", "cat_aaaaaaaaaaaaaaaaaaaaaaaaaa")
		wantInvalid(t, err, "parent")
		_, err = f.svc.CreateCategory(ctx, "Orphan", "orphan", "not an id")
		wantInvalid(t, err, "parent")
		parent := tees
		for i := 3; i <= catalog.MaxCategoryDepth; i++ {
			parent = must(f.svc.CreateCategory(ctx, "Deep", "deep-"+string(rune('0'+i)), parent.ID))(t)
		}
		_, err = f.svc.CreateCategory(ctx, "Too deep", "too-deep", parent.ID)
		wantInvalid(t, err, "parent")
	})
}
