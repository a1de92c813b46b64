package web

import (
	"net/http"
	"strings"

	"github.com/citadel-store/citadel/internal/catalog"
)

// searchData is the search page's: the form as entered, its choices, and
// the results once the form was valid.
type searchData struct {
	chrome
	Form        searchForm
	Searched    bool
	Results     catalog.Results
	Suggestions []suggestion
	Categories  []option
	Merchants   []option
	Currencies  []option
	Sorts       []option
}

func (d *searchData) searchText() string { return d.Form.Q }

// PrevURL and NextURL link the pages of results around this one.
func (d *searchData) PrevURL() string { return d.Form.PageURL(d.Results.Page - 1) }
func (d *searchData) NextURL() string { return d.Form.PageURL(d.Results.Page + 1) }

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// suggestion is another search offered when one found nothing.
type suggestion struct {
	Lead, Label, URL string
}

func (p *Pages) searchPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sh, err := p.shopper(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	q, f, ferr := decodeSearch(r.URL.Query())
	cats, err := p.catalog.Categories(ctx)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	merchants, err := p.catalog.Merchants(ctx)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	d := &searchData{Form: f}
	d.Categories = append(d.Categories, option{"", "All categories", f.Category == ""})
	known := f.Category == ""
	for _, c := range cats {
		d.Categories = append(d.Categories, option{c.Slug, strings.Repeat("– ", c.Depth) + c.Name, c.Slug == f.Category})
		known = known || c.Slug == f.Category
	}
	if ferr == nil && !known {
		ferr = badInput("Choose one of the categories offered.")
	}
	d.Merchants = append(d.Merchants, option{"", "All shops", f.Merchant == ""})
	known = f.Merchant == ""
	for _, m := range merchants {
		if m.Status != catalog.StatusActive {
			continue
		}
		d.Merchants = append(d.Merchants, option{m.Slug, m.Name, m.Slug == f.Merchant})
		if m.Slug == f.Merchant {
			known, q.MerchantID = true, m.ID
		}
	}
	if ferr == nil && !known {
		ferr = badInput("Choose one of the shops offered.")
	}
	for _, c := range priceCurrencies {
		d.Currencies = append(d.Currencies, option{string(c), string(c), string(c) == f.Currency})
	}
	for _, s := range sorts {
		d.Sorts = append(d.Sorts, option{string(s.Value), s.Label, string(s.Value) == f.Sort})
	}
	if ferr == nil {
		d.Results, err = p.catalog.Search(ctx, q)
		if ie, ok := catalog.IsInvalid(err); ok {
			ferr = badInput("Check the price filter: " + ie.Msg + ".")
		} else if err != nil {
			p.serverError(w, r, err)
			return
		}
		d.Searched = ferr == nil
		d.Suggestions = suggestions(f, d.Results.Suggestions)
	}
	title := "Search"
	if f.Q != "" {
		title = "Search: " + f.Q
	}
	pg, c := p.shopPage(w, r, sh, title)
	d.chrome = c
	pg.Data = d
	status := http.StatusOK
	if msg, ok := userMessage(ferr); ok {
		pg.Error, status = msg, http.StatusBadRequest
	}
	p.render(w, status, "shop_search.html", pg)
}

// suggestions turns the catalog's suggestions into links: corrected or
// shorter text keeps the filters; "without the filters" drops them.
func suggestions(f searchForm, ss []catalog.Suggestion) []suggestion {
	var out []suggestion
	for _, s := range ss {
		switch s.Kind {
		case catalog.SuggestSpelling:
			out = append(out, suggestion{"Did you mean", s.Text, f.TextURL(s.Text)})
		case catalog.SuggestFewerWords:
			out = append(out, suggestion{"Search for", s.Text, f.TextURL(s.Text)})
		case catalog.SuggestNoFilters:
			out = append(out, suggestion{"Search every shop and category for", s.Text, f.UnfilteredURL(s.Text)})
		case catalog.SuggestCategory:
			out = append(out, suggestion{"Browse", s.CategoryName, "/c/" + s.CategorySlug})
		}
	}
	return out
}
