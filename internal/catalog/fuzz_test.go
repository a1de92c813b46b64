package catalog_test

import (
	"path/filepath"
	"testing"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// FuzzSearch runs whatever text against a small SQLite catalog, in every
// order: a search string must never make the database fail.
func FuzzSearch(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, uint8(0))
	}
	f.Add("lantern", uint8(1))
	f.Add("lan", uint8(2))
	db := storetest.Open(f, store.SQLite)
	fx := newFixture(f, db)
	for _, title := range []string{"Storm lantern", "Desk lamp", "Enamel mug", "Café t-shirt", "Ünïcödé ǅ straße"} {
		fx.product(f, fx.a, fx.kitchen, title, "Goes with the lantern; "+title, 100)
	}
	sorts := []catalog.Sort{catalog.SortRelevance, catalog.SortPriceAsc, catalog.SortPriceDesc, catalog.SortNewest}
	f.Fuzz(func(t *testing.T, text string, sort uint8) {
		q := catalog.Query{Text: text, Sort: sorts[int(sort)%len(sorts)], PerPage: 2}
		if sort >= 128 {
			q.CategorySlug = "kitchen"
			q.InStock = true
		}
		if _, err := fx.svc.Search(ctx, q); err != nil {
			t.Fatalf("Search(%q): %v", text, err)
		}
	})
}

// TestSearchAfterVacuumInto: the FTS5 index refers to products by rowid.
// A backup made with VACUUM INTO must keep rowids, or its search would
// point at the wrong products.
func TestSearchAfterVacuumInto(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	s := newShop(t, db)
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if _, err := db.Exec(ctx, `VACUUM INTO ?`, copyPath); err != nil {
		t.Fatal(err)
	}
	cp, err := store.Open(ctx, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	for _, text := range []string{"lantern", "mug", "cotton"} {
		want := hitIDs(s.search(t, catalog.Query{Text: text}))
		got := hitIDs(must(catalog.New(cp).Search(ctx, catalog.Query{Text: text}))(t))
		if len(want) == 0 || len(got) != len(want) || got[0] != want[0] {
			t.Fatalf("%s: copy finds %v, original %v", text, got, want)
		}
	}
}
