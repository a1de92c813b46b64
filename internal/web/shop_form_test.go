package web

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
)

func TestParsePage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 1, true}, {"1", 1, true}, {"2", 2, true}, {"007", 7, true}, {"416", maxPage, true},
		{"0", 0, false}, {"-1", 0, false}, {"+2", 0, false}, {" 2", 0, false}, {"2.0", 0, false},
		{"417", 0, false}, {"99999999999999999999", 0, false}, {"1e3", 0, false}, {"٣", 0, false},
	} {
		got, err := parsePage(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parsePage(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if _, isForm := userMessage(err); err != nil && !isForm {
			t.Errorf("parsePage(%q): %v is not a message for the shopper", tc.in, err)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	for _, tc := range []struct {
		name, in  string
		allowZero bool
		want      int
		ok        bool
	}{
		{"one", "1", false, 1, true},
		{"max", "10000", false, 10000, true},
		{"zero-removes", "0", true, 0, true},
		{"fail/zero", "0", false, 0, false},
		{"fail/over-max", "10001", false, 0, false},
		{"fail/negative", "-1", true, 0, false},
		{"fail/fraction", "1.5", false, 0, false},
		{"fail/empty", "", false, 0, false},
		{"fail/huge", "9223372036854775808", false, 0, false},
		{"fail/spaces", " 3", false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseQuantity(tc.in, tc.allowZero, 10_000)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("parseQuantity(%q) = %d, %v", tc.in, got, err)
			}
			if msg, _ := userMessage(err); err != nil && !strings.Contains(msg, "10,000") {
				t.Fatalf("message %q does not name the limit", msg)
			}
		})
	}
}

func TestParsePrice(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int64 // minor units; -1 for no filter
		msg      string
	}{
		{"empty-is-no-filter", "", -1, ""},
		{"whole", "12", 1200, ""},
		{"cents", "12.34", 1234, ""},
		{"one-decimal", "0.5", 50, ""},
		{"fail/fraction-of-a-cent", "1.005", 0, "decimal places"},
		{"fail/not-a-number", "abc", 0, "as a number"},
		{"fail/negative", "-1", 0, "as a number"},
		{"fail/comma", "12,50", 0, "as a number"},
		{"fail/exponent", "1e3", 0, "as a number"},
		{"fail/overflow", "99999999999999999999", 0, "too large"},
		{"fail/two-dots", "1.2.3", 0, "as a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := parsePrice("lowest", tc.in, "EUR")
			msg, _ := userMessage(err)
			switch {
			case tc.msg != "" && !strings.Contains(msg, tc.msg):
				t.Fatalf("parsePrice(%q) error %v, want one saying %q", tc.in, err, tc.msg)
			case tc.msg == "" && err != nil:
				t.Fatalf("parsePrice(%q): %v", tc.in, err)
			case tc.msg == "" && tc.want < 0 && a != nil:
				t.Fatalf("parsePrice(%q) = %v, want no filter", tc.in, a)
			case tc.msg == "" && tc.want >= 0 && (a == nil || *a != money.New(tc.want, "EUR")):
				t.Fatalf("parsePrice(%q) = %v, want %d", tc.in, a, tc.want)
			}
		})
	}
}

func TestDecodeSearch(t *testing.T) {
	eur := func(m int64) *money.Amount { a := money.New(m, "EUR"); return &a }
	for _, tc := range []struct {
		name  string
		query string
		want  catalog.Query
		msg   string // part of the error message; "" for success
	}{
		{"empty", "", catalog.Query{Sort: catalog.SortRelevance, Page: 1, PerPage: perPage}, ""},
		{"everything", "q=red+shirt&category=clothing&merchant=acme&min=10&max=20.5&instock=1&sort=price_desc&page=3",
			catalog.Query{Text: "red shirt", CategorySlug: "clothing", MinPrice: eur(1000), MaxPrice: eur(2050), InStock: true,
				Sort: catalog.SortPriceDesc, Page: 3, PerPage: perPage}, ""},
		{"gbp", "min=1&currency=GBP", catalog.Query{MinPrice: &money.Amount{Minor: 100, Currency: "GBP"},
			Sort: catalog.SortRelevance, Page: 1, PerPage: perPage}, ""},
		{"hostile-text-passes-as-text", `q="NEAR(a*b)" OR 1=1 --`, catalog.Query{Text: `"NEAR(a*b)" OR 1=1 --`,
			Sort: catalog.SortRelevance, Page: 1, PerPage: perPage}, ""},
		{"fail/unknown-sort", "sort=price", catalog.Query{}, "sort"},
		{"fail/sql-in-sort", "sort=price_asc%3BDROP", catalog.Query{}, "sort"},
		{"fail/min-not-numeric", "min=ten", catalog.Query{}, "as a number"},
		{"fail/max-fraction-of-cent", "max=9.999", catalog.Query{}, "decimal places"},
		{"fail/min-above-max", "min=30&max=20", catalog.Query{}, "above"},
		{"fail/unknown-currency", "min=1&currency=XXX", catalog.Query{}, "currenc"},
		{"fail/currency-not-offered", "min=1&currency=JPY", catalog.Query{}, "currenc"},
		{"fail/page-zero", "page=0", catalog.Query{}, "page"},
		{"fail/page-too-deep", "page=100000", catalog.Query{}, "page"},
		{"fail/instock-garbage", "instock=yes", catalog.Query{}, "in-stock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			q, f, err := decodeSearch(v)
			if tc.msg != "" {
				msg, ok := userMessage(err)
				if !ok || !strings.Contains(strings.ToLower(msg), tc.msg) {
					t.Fatalf("error %v, want a message about %q", err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(q, tc.want) {
				t.Fatalf("query\n got %+v\nwant %+v", q, tc.want)
			}
			if f.Merchant != v.Get("merchant") {
				t.Fatalf("merchant slug %q, want %q kept for the handler", f.Merchant, v.Get("merchant"))
			}
		})
	}
}

// Oversized and invalid text is cut and cleaned, never refused: the
// search still runs, and what is shown again is valid UTF-8.
func TestDecodeSearchCleansText(t *testing.T) {
	for _, in := range []string{strings.Repeat("ä", 10<<10), "\xff\xfe shirt", "a\x00b\x1bc", strings.Repeat("(", 5000)} {
		q, f, err := decodeSearch(url.Values{"q": {in}})
		if err != nil {
			t.Fatalf("%.20q: %v", in, err)
		}
		if len(q.Text) > catalog.MaxQueryBytes || !utf8.ValidString(q.Text) || q.Text != f.Q {
			t.Fatalf("%.20q: text %.40q (%d bytes)", in, q.Text, len(q.Text))
		}
		if strings.ContainsAny(q.Text, "\x00\x1b") {
			t.Fatalf("%.20q: control characters kept: %q", in, q.Text)
		}
	}
}

// The decoder never panics; what it accepts is within bounds; and the
// links a results page builds from the form (other pages, other sorts)
// decode to the same search.
func FuzzDecodeSearch(f *testing.F) {
	for _, s := range []string{
		"", "q=shirt&sort=price_asc&page=2", "min=1.5&max=2&currency=GBP&instock=on", "q=%ff%fe&min=0.001",
		`q="a"+NEAR(b,c)*&category=x&merchant=y`, "page=-1", "min=99999999999999999999", "sort=&page=&min=&max=",
		"q=a&q=b&page=1&page=2", "currency=eur&min=1", "min=007.50",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, form, err := decodeSearch(v)
		if !utf8.ValidString(form.Q) || len(form.Q) > catalog.MaxQueryBytes {
			t.Fatalf("form text not clean: %q", form.Q)
		}
		if err != nil {
			if _, ok := userMessage(err); !ok {
				t.Fatalf("error %v is not a message for the shopper", err)
			}
			return
		}
		if q.Page < 1 || q.Page > maxPage || q.PerPage != perPage {
			t.Fatalf("page %d per %d out of bounds", q.Page, q.PerPage)
		}
		for _, a := range []*money.Amount{q.MinPrice, q.MaxPrice} {
			if a != nil && (a.Minor < 0 || !currencyOffered(a.Currency)) {
				t.Fatalf("price filter %v", *a)
			}
		}
		if q.MinPrice != nil && q.MaxPrice != nil && q.MinPrice.Minor > q.MaxPrice.Minor {
			t.Fatalf("min %v above max %v", *q.MinPrice, *q.MaxPrice)
		}
		again, form2, err := decodeSearch(form.values())
		if err != nil {
			t.Fatalf("re-decoding %q: %v", form.URL(), err)
		}
		if !reflect.DeepEqual(q, again) || form != form2 {
			t.Fatalf("round trip through %q:\n %+v\n %+v", form.URL(), q, again)
		}
	})
}
