package catalog_test

import (
	"testing"

	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// Archived products are listed for their own merchant only, newest
// change first; active ones and other merchants' never appear.
func TestArchivedProducts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		old := f.product(t, f.a, f.kitchen, "Old kettle", "A kettle.", 1000)
		newer := f.product(t, f.a, f.kitchen, "Old teapot", "A teapot.", 1200)
		f.product(t, f.a, f.kitchen, "Current mug", "A mug.", 800)
		theirs := f.product(t, f.b, f.kitchen, "Their pan", "A pan.", 900)
		for _, p := range []struct{ merchant, id string }{{f.a.ID, old.ID}, {f.a.ID, newer.ID}, {f.b.ID, theirs.ID}} {
			if err := f.svc.ArchiveProduct(ctx, p.merchant, p.id); err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.svc.ArchivedProducts(ctx, f.a.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != newer.ID || got[1].ID != old.ID || got[0].MinPrice != eur(1200) {
			t.Fatalf("archived for A = %+v", got)
		}
		if _, err := f.svc.ArchivedProducts(ctx, "not-an-id", 10); err == nil {
			t.Fatal("fail/malformed-merchant-id accepted")
		}
		if got, _ := f.svc.ArchivedProducts(ctx, f.b.ID, 1); len(got) != 1 || got[0].ID != theirs.ID {
			t.Fatalf("archived for B = %+v", got)
		}
	})
}
