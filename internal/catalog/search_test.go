package catalog_test

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// shop is a fixture catalog for search tests.
type shop struct {
	*fixture
	lantern, lamp, mug, tee, kettle, old, bolts catalog.Product
}

func newShop(t *testing.T, db *store.DB) *shop {
	t.Helper()
	f := newFixture(t, db)
	s := &shop{fixture: f}
	// The lamp mentions lanterns often, but only in its description: the
	// lantern, named so, must still rank first.
	s.lantern = f.product(t, f.a, f.kitchen, "Storm lantern", "Lights the porch.", 3000)
	s.lamp = f.product(t, f.a, f.kitchen, "Desk lamp", "Brighter than a lantern; lantern glass, lantern shape, lantern handle.", 4500)
	s.mug = f.product(t, f.a, f.kitchen, "Enamel mug", "Goes with the lantern.", 900)
	s.tee = f.product(t, f.a, f.shirts, "Café t-shirt", "Organic cotton tee with a printed coffee cup.", 2000)
	s.kettle = f.product(t, f.b, f.kitchen, "Kettle", "Whistles when the water boils.", 3900)
	s.old = f.product(t, f.b, f.kitchen, "Old lantern", "Archived.", 100)
	if err := f.svc.ArchiveProduct(ctx, f.b.ID, s.old.ID); err != nil {
		t.Fatal(err)
	}
	s.bolts = f.product(t, f.b, f.clothing, "Bolt lantern shirt", "Sold by a merchant about to be suspended.", 1500)
	f.setAvailable(t, s.lantern.ID, 2)
	f.setAvailable(t, s.tee.ID, 1)
	return s
}

func (s *shop) search(t *testing.T, q catalog.Query) catalog.Results {
	t.Helper()
	r, err := s.svc.Search(ctx, q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return r
}

func TestSearchRanking(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		r := s.search(t, catalog.Query{Text: "lantern"})
		// Titled lanterns first, the shorter title first; then the others,
		// newest first.
		want := []string{s.lantern.ID, s.bolts.ID, s.mug.ID, s.lamp.ID}
		if got := hitIDs(r); !slices.Equal(got, want) {
			t.Fatalf("lantern: got %v, want %v", got, want)
		}
		if r.Total != 4 || r.TotalCapped || r.HasNext || !slices.Equal(r.Words, []string{"lantern"}) {
			t.Fatalf("results: %+v", r)
		}
		// With several words, the description tier goes by bm25 (or
		// ts_rank_cd), not age: the older pot that repeats the words first.
		many := s.product(t, s.a, s.kitchen, "Brewing pot", "Green tea, green tea, green tea: brews green tea.", 100)
		once := s.product(t, s.a, s.kitchen, "Teapot", "A pot for green tea.", 100)
		r = s.search(t, catalog.Query{Text: "green tea"})
		if got := hitIDs(r); !slices.Equal(got, []string{many.ID, once.ID}) {
			t.Fatalf("green tea: got %v, want %v", got, []string{many.ID, once.ID})
		}
		// Two words in a title beat one in the title and one in the text.
		r = s.search(t, catalog.Query{Text: "lantern shirt"})
		if got := hitIDs(r); len(got) != 1 || got[0] != s.bolts.ID {
			t.Fatalf("lantern shirt: got %v", got)
		}
	})
}

func TestSearchPublicOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		if err := s.svc.SetMerchantStatus(ctx, s.b.ID, catalog.StatusSuspended); err != nil {
			t.Fatal(err)
		}
		for _, q := range []catalog.Query{
			{Text: "lantern"}, {Text: "lantern", Sort: catalog.SortPriceAsc}, {Text: "old"}, {Text: "bolt"}, {},
			{Sort: catalog.SortPriceAsc}, {CategorySlug: "kitchen"}, {MerchantID: s.b.ID},
		} {
			for _, h := range s.search(t, q).Hits {
				if h.ID == s.old.ID || h.MerchantID == s.b.ID {
					t.Fatalf("%+v shows %q of an archived product or a suspended merchant", q, h.Title)
				}
			}
		}
		_, err := s.svc.Product(ctx, s.kettle.ID)
		wantNotFound(t, err)
		_, err = s.svc.ListMerchant(ctx, s.b.ID, 1, 10)
		wantNotFound(t, err)
	})
}

func TestSearchFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		usd := must(s.svc.CreateProduct(ctx, s.a.ID, catalog.NewProduct{Title: "Dollar lantern", Currency: "USD",
			Variants: []catalog.NewVariant{{SKU: "D", Price: money.New(1000, "USD")}}}))(t)
		eurP := func(minor int64) *money.Amount { a := eur(minor); return &a }
		for _, tc := range []struct {
			name string
			q    catalog.Query
			want []string
		}{
			{"category-with-children", catalog.Query{CategorySlug: "clothing", Sort: catalog.SortNewest}, []string{s.bolts.ID, s.tee.ID}},
			{"category-leaf", catalog.Query{Text: "cotton", CategorySlug: "shirts"}, []string{s.tee.ID}},
			{"category-unknown", catalog.Query{Text: "lantern", CategorySlug: "garden"}, nil},
			{"merchant", catalog.Query{Text: "lantern", MerchantID: s.b.ID}, []string{s.bolts.ID}},
			{"merchant-malformed", catalog.Query{Text: "lantern", MerchantID: "1 OR 1=1"}, nil},
			{"in-stock", catalog.Query{InStock: true, Sort: catalog.SortNewest}, []string{s.tee.ID, s.lantern.ID}},
			{"price-range", catalog.Query{Text: "lantern", MinPrice: eurP(1000), MaxPrice: eurP(3000), Sort: catalog.SortPriceAsc}, []string{s.bolts.ID, s.lantern.ID}},
			{"price-min-only", catalog.Query{MinPrice: eurP(4000), Sort: catalog.SortPriceDesc}, []string{s.lamp.ID}},
			{"price-other-currency", catalog.Query{Text: "lantern", MaxPrice: &money.Amount{Minor: 5000, Currency: "USD"}}, []string{usd.ID}},
			{"all-filters", catalog.Query{Text: "lantern", CategorySlug: "kitchen", MerchantID: s.a.ID, InStock: true, MaxPrice: eurP(3000)}, []string{s.lantern.ID}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := hitIDs(s.search(t, tc.q)); !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
		for name, q := range map[string]catalog.Query{
			"fail/mixed-currencies": {MinPrice: eurP(1), MaxPrice: &money.Amount{Minor: 5, Currency: "USD"}},
			"fail/negative-price":   {MinPrice: eurP(-1)},
			"fail/unknown-currency": {MaxPrice: &money.Amount{Minor: 5, Currency: "ABC"}},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.svc.Search(ctx, q)
				if _, ok := catalog.IsInvalid(err); !ok {
					t.Fatalf("got %v, want an InvalidError", err)
				}
			})
		}
	})
}

func TestSearchSortAndPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var made []catalog.Product // oldest first; price falls as they get newer
		for i := range 25 {
			made = append(made, f.product(t, f.a, f.kitchen, fmt.Sprintf("Teapot number %d", i), "A teapot.", int64(1000-i)))
		}
		newest := func(from, to int) (out []string) {
			for i := to - 1; i >= from; i-- {
				out = append(out, made[i].ID)
			}
			return out
		}
		for _, text := range []string{"", "teapot", "tea"} {
			for _, sort := range []catalog.Sort{catalog.SortNewest, catalog.SortPriceAsc, catalog.SortPriceDesc} {
				t.Run(text+"/"+string(sort), func(t *testing.T) {
					var all []string
					for page := 1; ; page++ {
						r := must(f.svc.Search(ctx, catalog.Query{Text: text, Sort: sort, Page: page, PerPage: 10}))(t)
						all = append(all, hitIDs(r)...)
						if r.HasNext != (page < 3) || len(r.Hits) != []int{10, 10, 5}[page-1] {
							t.Fatalf("page %d: %d hits, HasNext %v", page, len(r.Hits), r.HasNext)
						}
						if !r.HasNext {
							if r.Total != 25 || r.TotalCapped {
								t.Fatalf("last page: Total %d, capped %v", r.Total, r.TotalCapped)
							}
							break
						}
					}
					want := newest(0, 25) // newest is cheapest
					if sort == catalog.SortPriceDesc {
						slices.Reverse(want)
					}
					if !slices.Equal(all, want) {
						t.Fatalf("order %v, want %v", all, want)
					}
				})
			}
		}
		r := must(f.svc.Search(ctx, catalog.Query{Page: 4, PerPage: 10}))(t)
		if len(r.Hits) != 0 || r.HasNext {
			t.Fatalf("page past the end: %+v", r)
		}
		r = must(f.svc.Search(ctx, catalog.Query{PerPage: 1000, Page: -3}))(t)
		if r.PerPage != catalog.MaxPerPage || r.Page != 1 || len(r.Hits) != 25 {
			t.Fatalf("PerPage %d, Page %d, %d hits", r.PerPage, r.Page, len(r.Hits))
		}
		for _, q := range []catalog.Query{
			{Page: catalog.MaxResults, PerPage: 100}, {Page: math.MaxInt, PerPage: 100}, {Text: "teapot", Page: math.MaxInt},
			{Text: "teapot", Page: math.MaxInt, Sort: catalog.SortPriceAsc}, {Text: "teapot", Page: 1 << 40, Sort: catalog.SortNewest},
		} {
			r = must(f.svc.Search(ctx, q))(t)
			if len(r.Hits) != 0 || r.HasNext {
				t.Fatalf("page %d is served", q.Page)
			}
		}
		r = must(f.svc.Newest(ctx, 1, 3))(t)
		if !slices.Equal(hitIDs(r), newest(22, 25)) || !r.HasNext || r.Total != 25 || r.TotalCapped {
			t.Fatalf("Newest: %v", hitIDs(r))
		}
		r = must(f.svc.ListCategory(ctx, "kitchen", 3, 10))(t)
		if !slices.Equal(hitIDs(r), newest(0, 5)) {
			t.Fatalf("ListCategory page 3: %v", hitIDs(r))
		}
		_, err := f.svc.ListCategory(ctx, "garden", 1, 10)
		wantNotFound(t, err)
		r = must(f.svc.ListMerchant(ctx, f.a.ID, 1, 5))(t)
		if !slices.Equal(hitIDs(r), newest(20, 25)) {
			t.Fatalf("ListMerchant: %v", hitIDs(r))
		}
		_, err = f.svc.ListMerchant(ctx, "mer_aaaaaaaaaaaaaaaaaaaaaaaaaa", 1, 5)
		wantNotFound(t, err)
	})
}

// TestSearchWindow: with more matches than the window, relevance ranks
// the newest ones and says the total is capped; price order stays exact.
func TestSearchWindow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		catalog.SetLimits(f.svc, 2, 3)
		var titled, mentioned []catalog.Product
		for i := range 6 {
			titled = append(titled, f.product(t, f.a, f.kitchen, fmt.Sprintf("Ladle %d", i), "", int64(100+i)))
			mentioned = append(mentioned, f.product(t, f.a, f.kitchen, fmt.Sprintf("Spoon %d", i), "Not a ladle.", int64(50+i)))
		}
		r := must(f.svc.Search(ctx, catalog.Query{Text: "ladle", PerPage: 2}))(t)
		for _, h := range r.Hits {
			if h.Title[:5] != "Ladle" {
				t.Fatalf("page 1 shows %q above the titled ladles", h.Title)
			}
		}
		if !r.HasNext || !r.TotalCapped {
			t.Fatalf("windowed relevance: HasNext %v, TotalCapped %v", r.HasNext, r.TotalCapped)
		}
		r = must(f.svc.Search(ctx, catalog.Query{Text: "ladle", Sort: catalog.SortPriceAsc, PerPage: 3}))(t)
		if want := []string{mentioned[0].ID, mentioned[1].ID, mentioned[2].ID}; !slices.Equal(hitIDs(r), want) {
			t.Fatalf("price order among many matches: %v, want %v", hitIDs(r), want)
		}
		r = must(f.svc.Search(ctx, catalog.Query{Text: "ladle", Sort: catalog.SortPriceDesc, PerPage: 2, Page: 2}))(t)
		if want := []string{titled[3].ID, titled[2].ID}; !slices.Equal(hitIDs(r), want) {
			t.Fatalf("price order, page 2: %v, want %v", hitIDs(r), want)
		}
	})
}

func TestHighlights(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		r := s.search(t, catalog.Query{Text: "CAFÉ tee"})
		if len(r.Hits) != 1 {
			t.Fatalf("café tee: %v", hitIDs(r))
		}
		h := r.Hits[0]
		want := []catalog.Fragment{{Text: "Café", Match: true}, {Text: " t-shirt"}}
		if !reflect.DeepEqual(h.TitleMarked, want) {
			t.Fatalf("title fragments %+v, want %+v", h.TitleMarked, want)
		}
		wantSnip := []catalog.Fragment{{Text: "Organic cotton "}, {Text: "tee", Match: true}, {Text: " with a printed coffee cup."}}
		if !reflect.DeepEqual(h.Snippet, wantSnip) {
			t.Fatalf("snippet %+v, want %+v", h.Snippet, wantSnip)
		}
		// SQLite folds accents (remove_diacritics 2); PostgreSQL's 'simple'
		// configuration does not, so there "cafe" does not find "Café".
		if db.Engine() == store.SQLite {
			if r := s.search(t, catalog.Query{Text: "cafe"}); len(r.Hits) != 1 || !r.Hits[0].TitleMarked[0].Match {
				t.Fatalf("cafe: %+v", r.Hits)
			}
		}
	})
}

func TestHighlightMarkupStaysText(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.product(t, f.a, f.kitchen, `<script>alert("x")</script> mug`, `<b>bold</b> mug & "quotes"`, 100)
		r := must(f.svc.Search(ctx, catalog.Query{Text: "mug"}))(t)
		if len(r.Hits) != 1 {
			t.Fatal("no hit")
		}
		var title string
		for _, fr := range r.Hits[0].TitleMarked {
			title += fr.Text
		}
		if title != `<script>alert("x")</script> mug` {
			t.Fatalf("fragments do not rebuild the title verbatim: %q", title)
		}
	})
}
