package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
)

// Listing bounds: pages of perPage products, and no page past what the
// catalog serves (catalog.MaxResults), so no link makes the database skip
// an unbounded number of rows.
const (
	perPage = catalog.DefaultPerPage
	maxPage = catalog.MaxResults / perPage
)

// priceCurrencies are the currencies a price filter may use: those the
// shop delivers in (shipping has fees in each).
var priceCurrencies = []money.Currency{"EUR", "GBP", "USD", "CHF"}

// defaultCurrency is the price filter's currency when none is chosen.
const defaultCurrency money.Currency = "EUR"

// formError is input a shopper can fix; its message is safe to show.
type formError struct{ msg string }

func (e *formError) Error() string { return e.msg }

func badInput(msg string) error { return &formError{msg} }

// userMessage returns the message of a formError, and whether err is one.
func userMessage(err error) (string, bool) {
	var fe *formError
	if errors.As(err, &fe) {
		return fe.msg, true
	}
	return "", false
}

// parsePage reads a page number: "" is 1; otherwise 1 to maxPage in plain
// digits (no sign, no spaces).
func parsePage(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, ok := smallUint(s, 6)
	if !ok || n < 1 || n > maxPage {
		return 0, badInput("There is no such page: choose a page from 1 to " + strconv.Itoa(maxPage) + ".")
	}
	return n, nil
}

// parseQuantity reads a cart quantity: plain digits, 1 to max (0 too when
// zero is allowed: it removes the line).
func parseQuantity(s string, allowZero bool, max int) (int, error) {
	low := 1
	if allowZero {
		low = 0
	}
	n, ok := smallUint(s, 6)
	if !ok || n < low || n > max {
		return 0, badInput("Enter a quantity from " + strconv.Itoa(low) + " to " + groupThousands(max) + ".")
	}
	return n, nil
}

// smallUint parses at most maxDigits ASCII digits.
func smallUint(s string, maxDigits int) (int, bool) {
	if s == "" || len(s) > maxDigits {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// parsePrice reads a price filter in major units of c: "" is no filter.
// A fraction of a minor unit ("1.005" EUR) is refused, never rounded.
func parsePrice(label, s string, c money.Currency) (*money.Amount, error) {
	if s == "" {
		return nil, nil
	}
	a, err := money.ParseDecimal(s, c)
	switch {
	case errors.Is(err, money.ErrOverflow):
		return nil, badInput("The " + label + " price is too large.")
	case err != nil && strings.Contains(s, ".") && digitsAndDot(s):
		return nil, badInput("The " + label + " price has more decimal places than " + string(c) + " has: write it like 12.50.")
	case err != nil:
		return nil, badInput("Enter the " + label + " price as a number, like 12.50.")
	}
	return &a, nil
}

func digitsAndDot(s string) bool {
	return strings.Trim(s, "0123456789.") == "" && strings.Count(s, ".") == 1
}

// cleanText makes search text safe to show again and what the catalog
// reads: at most catalog.MaxQueryBytes, valid UTF-8, no control
// characters. Applying it twice changes nothing more.
func cleanText(s string) string {
	if len(s) > catalog.MaxQueryBytes {
		s = s[:catalog.MaxQueryBytes]
	}
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// searchForm is the search form as the shopper filled it in, cleaned: it
// re-shows the form and builds the links to other pages and orders.
type searchForm struct {
	Q        string
	Category string // slug
	Merchant string // slug
	Currency string
	Min, Max string // canonical decimals once decoded
	InStock  bool
	Sort     string
	Page     int
}

// sorts are the orders offered, with their labels.
var sorts = []struct {
	Value catalog.Sort
	Label string
}{
	{catalog.SortRelevance, "Best match"},
	{catalog.SortPriceAsc, "Price: low to high"},
	{catalog.SortPriceDesc, "Price: high to low"},
	{catalog.SortNewest, "Newest"},
}

// decodeSearch turns the query parameters of /search into a catalog
// query. The merchant stays a slug in the form (the handler resolves it
// against the active merchants); everything else is checked here. On an
// error the form still holds what was entered (cleaned), to re-show it,
// and the error is a formError.
func decodeSearch(v url.Values) (catalog.Query, searchForm, error) {
	f := searchForm{
		Q:        cleanText(v.Get("q")),
		Category: cleanText(v.Get("category")),
		Merchant: cleanText(v.Get("merchant")),
		Currency: cleanText(v.Get("currency")),
		Min:      cleanText(v.Get("min")),
		Max:      cleanText(v.Get("max")),
		Sort:     cleanText(v.Get("sort")),
		Page:     1,
	}
	q := catalog.Query{Text: f.Q, CategorySlug: f.Category, PerPage: perPage}
	switch v.Get("instock") {
	case "":
	case "1", "on":
		f.InStock, q.InStock = true, true
	default:
		return q, f, badInput("The in-stock filter is either on or off.")
	}
	page, err := parsePage(v.Get("page"))
	if err != nil {
		return q, f, err
	}
	f.Page, q.Page = page, page
	if f.Sort == "" {
		f.Sort = string(catalog.SortRelevance)
	}
	known := false
	for _, s := range sorts {
		known = known || string(s.Value) == f.Sort
	}
	if !known {
		return q, f, badInput("Choose one of the sort orders offered.")
	}
	q.Sort = catalog.Sort(f.Sort)
	if f.Currency == "" {
		f.Currency = string(defaultCurrency)
	}
	c, err := money.ParseCurrency(f.Currency)
	if err != nil || !currencyOffered(c) {
		return q, f, badInput("Choose one of the currencies offered.")
	}
	if q.MinPrice, err = parsePrice("lowest", f.Min, c); err != nil {
		return q, f, err
	}
	if q.MaxPrice, err = parsePrice("highest", f.Max, c); err != nil {
		return q, f, err
	}
	if q.MinPrice != nil && q.MaxPrice != nil && q.MinPrice.Minor > q.MaxPrice.Minor {
		return q, f, badInput("The lowest price is above the highest price.")
	}
	// Canonical forms, so a link built from the form decodes the same.
	if q.MinPrice != nil {
		f.Min = q.MinPrice.Decimal()
	}
	if q.MaxPrice != nil {
		f.Max = q.MaxPrice.Decimal()
	}
	return q, f, nil
}

func currencyOffered(c money.Currency) bool {
	for _, o := range priceCurrencies {
		if o == c {
			return true
		}
	}
	return false
}

// values encodes the form as query parameters, leaving out defaults.
func (f searchForm) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", f.Q)
	set("category", f.Category)
	set("merchant", f.Merchant)
	if f.Currency != string(defaultCurrency) {
		set("currency", f.Currency)
	}
	set("min", f.Min)
	set("max", f.Max)
	if f.InStock {
		v.Set("instock", "1")
	}
	if f.Sort != string(catalog.SortRelevance) {
		set("sort", f.Sort)
	}
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	return v
}

// URL is the search page for this form.
func (f searchForm) URL() string {
	if e := f.values().Encode(); e != "" {
		return "/search?" + e
	}
	return "/search"
}

// PageURL is the same search on another page.
func (f searchForm) PageURL(page int) string {
	f.Page = page
	return f.URL()
}

// TextURL is a search for other text with the same filters, from page 1.
func (f searchForm) TextURL(text string) string {
	f.Q, f.Page = cleanText(text), 1
	return f.URL()
}

// UnfilteredURL is a search for other text with no filter.
func (f searchForm) UnfilteredURL(text string) string {
	return searchForm{Q: cleanText(text), Currency: string(defaultCurrency), Sort: f.Sort, Page: 1}.URL()
}
