package catalog

import (
	"context"
	"time"

	"github.com/citadel-store/citadel/internal/money"
)

// Sort orders search results.
type Sort string

const (
	SortRelevance Sort = "relevance" // best match first; newest first when there is no text
	SortPriceAsc  Sort = "price_asc"
	SortPriceDesc Sort = "price_desc"
	SortNewest    Sort = "newest"
)

// Paging bounds.
const (
	DefaultPerPage = 24
	MaxPerPage     = 100
	// CountCap bounds counting: past it, Results.Total is CountCap and
	// TotalCapped is set ("1,000+"). Relevance serves no more results.
	CountCap = 1000
	// MaxResults bounds how deep pages go: results past it are not
	// served, so no request makes the database skip more rows than this.
	MaxResults = 10_000
)

// Query is a search or a browse (no Text) of the public catalog.
type Query struct {
	Text         string // whatever the visitor typed: at most MaxQueryBytes and MaxQueryWords are read
	CategorySlug string // the category and its descendants; "" for all
	MerchantID   string // "" for all
	// MinPrice and MaxPrice bound the lowest variant price. Either also
	// keeps only products priced in its currency; both must share it.
	MinPrice, MaxPrice *money.Amount
	InStock            bool
	Sort               Sort // "" is SortRelevance
	Page               int  // from 1; 0 is 1
	PerPage            int  // 0 is DefaultPerPage; at most MaxPerPage
}

// Results is one page of a search.
type Results struct {
	Hits []Hit
	// Total counts the results when TotalCapped is false. When it is
	// true there are more than Total: counting stopped at CountCap, at
	// the end of this page (HasNext), or at the window of matches that
	// relevance ranks (see Search). Show "more than Total" or just a
	// link to the next page.
	Total       int
	TotalCapped bool
	Page        int
	PerPage     int
	HasNext     bool
	Sort        Sort     // the order applied
	Words       []string // the words searched for, after cleaning
	// Suggestions are other searches that find something, offered when
	// this one found nothing.
	Suggestions []Suggestion
}

// Hit is a product in a result list.
type Hit struct {
	ID           string
	Title        string
	MerchantID   string
	MerchantSlug string
	MerchantName string
	CategorySlug string
	MinPrice     money.Amount
	InStock      bool
	ImageID      string // the first image, "" for none
	CreatedAt    time.Time
	// TitleMarked is Title cut into fragments with the searched-for
	// words marked; Snippet a short piece of the description, the same.
	TitleMarked []Fragment
	Snippet     []Fragment
}

// normalize fills in defaults and checks the price filter.
func (q *Query) normalize() error {
	q.Page = max(1, min(q.Page, MaxResults)) // past MaxResults a page is empty anyway; no overflow
	if q.PerPage < 1 {
		q.PerPage = DefaultPerPage
	}
	q.PerPage = min(q.PerPage, MaxPerPage)
	switch q.Sort {
	case SortRelevance, SortPriceAsc, SortPriceDesc, SortNewest:
	default:
		q.Sort = SortRelevance
	}
	for _, p := range []struct {
		field string
		a     *money.Amount
	}{{"min_price", q.MinPrice}, {"max_price", q.MaxPrice}} {
		if p.a == nil {
			continue
		}
		if !p.a.Currency.Valid() {
			return invalid(p.field, "choose a currency")
		}
		if p.a.Minor < 0 {
			return invalid(p.field, "must not be negative")
		}
	}
	if q.MinPrice != nil && q.MaxPrice != nil && q.MinPrice.Currency != q.MaxPrice.Currency {
		return invalid("max_price", "use the same currency for both prices")
	}
	return nil
}

// Search runs a search (or, without words, a browse) of the active
// products of active merchants. No search text makes it fail: the text is
// cleaned to words first (see words), and only words reach the engine. It
// fails only on a bad price filter (an *InvalidError) or a database
// fault.
//
// Relevance ranks the newest matches only (a window that grows with the
// page, up to CountCap), title matches first; price and newest orders
// are exact. See fts.go for how, and why. When nothing matches and there
// were words, Suggestions offers searches that do find something.
func (s *Service) Search(ctx context.Context, q Query) (Results, error) {
	if err := q.normalize(); err != nil {
		return Results{}, err
	}
	ws := words(q.Text)
	if len(ws) == 0 && q.Sort == SortRelevance {
		q.Sort = SortNewest
	}
	res := Results{Page: q.Page, PerPage: q.PerPage, Sort: q.Sort, Words: ws}
	f, err := s.plan(ctx, q)
	if err != nil {
		return Results{}, err
	}
	if f.none {
		return res, nil
	}
	if len(ws) == 0 {
		err = s.browse(ctx, &res, f)
	} else {
		err = s.search(ctx, &res, ws, f)
	}
	if err == nil {
		err = s.details(ctx, &res, ws)
	}
	if err != nil {
		return Results{}, err
	}
	if res.Total == 0 && len(ws) > 0 {
		if res.Suggestions, err = s.suggest(ctx, ws, f); err != nil {
			return Results{}, err
		}
	}
	return res, nil
}

// Newest lists the newest products of the whole shop.
func (s *Service) Newest(ctx context.Context, page, perPage int) (Results, error) {
	return s.Search(ctx, Query{Sort: SortNewest, Page: page, PerPage: perPage})
}

// ListCategory lists the newest products of a category and its
// descendants. An unknown category is ErrNotFound.
func (s *Service) ListCategory(ctx context.Context, categorySlug string, page, perPage int) (Results, error) {
	if _, err := s.CategoryBySlug(ctx, categorySlug); err != nil {
		return Results{}, err
	}
	return s.Search(ctx, Query{CategorySlug: categorySlug, Sort: SortNewest, Page: page, PerPage: perPage})
}

// ListMerchant lists the newest products of a merchant. An unknown or
// suspended merchant is ErrNotFound.
func (s *Service) ListMerchant(ctx context.Context, merchantID string, page, perPage int) (Results, error) {
	m, err := s.Merchant(ctx, merchantID)
	if err != nil {
		return Results{}, err
	}
	if m.Status != StatusActive {
		return Results{}, ErrNotFound
	}
	return s.Search(ctx, Query{MerchantID: merchantID, Sort: SortNewest, Page: page, PerPage: perPage})
}
