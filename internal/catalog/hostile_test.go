package catalog_test

import (
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// hostile are search strings that mean something to FTS5, tsquery, SQL
// or LIKE, or that are malformed or huge. Every one must search normally.
var hostile = []string{
	`"`, `""`, `"lantern`, `*`, `lan*`, `"lantern"*`, `NEAR(a b)`, `NEAR(lantern mug, 2)`,
	`a OR b`, `lantern OR mug`, `lantern AND NOT mug`, `NOT`, `AND`, `OR`, `(`, `)`, `((lantern)`, `-x`, `-lantern`,
	`title:x`, `title:lantern`, `{title}: lantern`, `{title description}:x`, `^x`, `^lantern`, `'`, `''`, `lantern'`,
	`\`, `\'`, `lantern\`, `%`, `_`, `%_%`, `a:*`, `lantern:*A`, `!lantern`, `lantern & mug`, `lantern | mug`,
	`lantern <-> mug`, `<2>`, `'; DROP TABLE products; --`, `?`, `$1`, `?1`, `:name`, "\x00", "lan\x00tern",
	"\xff\xfe", "lantern \xc3", "\xc3\x28", "\u202elantern", "ｌａｎｔｅｒｎ", "lanterń", "🏮 lantern", "\U0001d4b3",
	"e\u0301", "\u0301lantern", "١٢٣", "中文", "\t\n\r", strings.Repeat("a", 10_000),
	strings.Repeat("lantern ", 2000), strings.Repeat(`"*()`, 3000), strings.Repeat("é", 5000), strings.Repeat("x ", 100),
	"a b c d e f g h i j k l m n o p", strings.Repeat("ab", 150) + " lantern",
}

func TestHostileSearches(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newShop(t, db)
		for _, text := range hostile {
			for _, sort := range []catalog.Sort{catalog.SortRelevance, catalog.SortPriceAsc, catalog.SortNewest} {
				r, err := s.svc.Search(ctx, catalog.Query{Text: text, Sort: sort})
				if err != nil {
					t.Fatalf("Search(%.40q, %s): %v", text, sort, err)
				}
				if len(r.Words) > catalog.MaxQueryWords {
					t.Fatalf("Search(%.40q): %d words", text, len(r.Words))
				}
			}
		}
		// Operators are words like any other: "lantern OR mug" needs all
		// three words, so finds nothing, where an OR would find four.
		if r := s.search(t, catalog.Query{Text: "lantern OR mug"}); len(r.Hits) != 0 {
			t.Fatalf("OR was read as an operator: %v", hitIDs(r))
		}
		if r := s.search(t, catalog.Query{Text: "-lantern"}); len(r.Hits) != 4 {
			t.Fatalf("-lantern was read as NOT: %v", hitIDs(r))
		}
		if r := s.search(t, catalog.Query{Text: `title:"enamel"`}); len(r.Hits) != 0 {
			t.Fatalf("title: was read as a column filter: %v", hitIDs(r))
		}
	})
}
