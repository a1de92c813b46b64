package catalog_test

import (
	"reflect"
	"testing"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestSuggestions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		for _, tc := range []struct {
			name string
			q    catalog.Query
			want []catalog.Suggestion
		}{
			{"spelling", catalog.Query{Text: "lantren"},
				[]catalog.Suggestion{{Kind: catalog.SuggestSpelling, Text: "lantern"}}},
			{"spelling-two-words", catalog.Query{Text: "enamle mug"},
				[]catalog.Suggestion{{Kind: catalog.SuggestSpelling, Text: "enamel mug"}, {Kind: catalog.SuggestFewerWords, Text: "mug"}}},
			// Candidates share the first two letters: a typo there is not mended.
			{"spelling-first-letters", catalog.Query{Text: "lnatern"}, nil},
			{"fewer-words", catalog.Query{Text: "kettle unicorn"},
				[]catalog.Suggestion{{Kind: catalog.SuggestFewerWords, Text: "kettle"}}},
			{"no-filters", catalog.Query{Text: "kettle", CategorySlug: "shirts"},
				[]catalog.Suggestion{{Kind: catalog.SuggestNoFilters, Text: "kettle"}}},
			{"category", catalog.Query{Text: "kitchens"},
				[]catalog.Suggestion{{Kind: catalog.SuggestCategory, CategorySlug: "kitchen", CategoryName: "Kitchen"}}},
			{"nothing-near", catalog.Query{Text: "zzyzx"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := s.search(t, tc.q)
				if len(r.Hits) != 0 {
					t.Fatalf("found %v", hitIDs(r))
				}
				if !reflect.DeepEqual(r.Suggestions, tc.want) {
					t.Fatalf("suggestions %+v, want %+v", r.Suggestions, tc.want)
				}
				for _, sg := range r.Suggestions {
					if sg.Text == "" {
						continue
					}
					if again := s.search(t, catalog.Query{Text: sg.Text}); len(again.Hits) == 0 {
						t.Fatalf("suggestion %q finds nothing", sg.Text)
					}
				}
			})
		}
		if r := s.search(t, catalog.Query{Text: "lantern"}); r.Suggestions != nil {
			t.Fatalf("suggestions for a search that found something: %+v", r.Suggestions)
		}
	})
}
