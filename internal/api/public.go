package api

import (
	"net/http"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
)

// catalogRoutes are the public reads: anyone may browse and search.
func (a *API) catalogRoutes() []Route {
	return []Route{
		{Pattern: "GET /api/v1/categories", Action: authz.CatalogRead, Public: true, handler: a.categories},
		{Pattern: "GET /api/v1/products", Action: authz.CatalogRead, Public: true, handler: a.browse},
		{Pattern: "GET /api/v1/products/{id}", Action: authz.CatalogRead, Public: true, handler: a.product},
		{Pattern: "GET /api/v1/search", Action: authz.CatalogRead, Public: true, handler: a.search},
	}
}

func (a *API) categories(w http.ResponseWriter, r *http.Request, _ *Call) {
	cats, err := a.catalog.Categories(r.Context())
	if err != nil {
		a.internal(w, r, err)
		return
	}
	out := make([]categoryJSON, len(cats))
	for i, c := range cats {
		out[i] = categoryJSON{ID: c.ID, Slug: c.Slug, Name: c.Name, ParentID: c.ParentID, Depth: c.Depth}
	}
	writeJSON(w, http.StatusOK, map[string]any{"categories": out})
}

var sorts = []string{string(catalog.SortRelevance), string(catalog.SortNewest), string(catalog.SortPriceAsc), string(catalog.SortPriceDesc)}

// catalogQuery reads the filters browse and search share.
func catalogQuery(q *query, defSort catalog.Sort) catalog.Query {
	return catalog.Query{
		CategorySlug: q.str("category", catalog.MaxSlug),
		MerchantID:   q.id("merchant", "mer"),
		InStock:      q.boolean("in_stock"),
		Sort:         catalog.Sort(q.oneOf("sort", string(defSort), sorts...)),
		Page:         q.integer("page", 1, 1, catalog.MaxResults),
		PerPage:      q.integer("per_page", catalog.DefaultPerPage, 1, catalog.MaxPerPage),
	}
}

// browse lists products, newest first unless sorted otherwise: a search
// without words.
func (a *API) browse(w http.ResponseWriter, r *http.Request, _ *Call) {
	q := newQuery(r)
	cq := catalogQuery(q, catalog.SortNewest)
	if q.err != nil {
		writeAPIError(w, q.err)
		return
	}
	a.runSearch(w, r, cq)
}

// search runs a full-text search. Whatever q holds, it is cleaned to
// plain words by the catalog; prices are decimal strings in currency.
func (a *API) search(w http.ResponseWriter, r *http.Request, _ *Call) {
	q := newQuery(r)
	cq := catalogQuery(q, catalog.SortRelevance)
	// The catalog reads at most MaxQueryBytes of the text; more is cut
	// there, so a long q is not an error.
	cq.Text = q.v.Get("q")
	minS, maxS := q.str("min_price", 24), q.str("max_price", 24)
	cur := q.str("currency", 3)
	if q.err != nil {
		writeAPIError(w, q.err)
		return
	}
	if minS != "" || maxS != "" {
		c, err := money.ParseCurrency(cur)
		if err != nil {
			writeAPIError(w, fieldError(http.StatusBadRequest, "invalid_parameter", "currency",
				"a price filter needs the currency, like currency=EUR"))
			return
		}
		for _, p := range []struct {
			name, s string
			dst     **money.Amount
		}{{"min_price", minS, &cq.MinPrice}, {"max_price", maxS, &cq.MaxPrice}} {
			if p.s == "" {
				continue
			}
			v, e := amount(p.name, p.s, c)
			if e != nil {
				writeAPIError(w, e)
				return
			}
			*p.dst = &v
		}
	}
	a.runSearch(w, r, cq)
}

func (a *API) runSearch(w http.ResponseWriter, r *http.Request, cq catalog.Query) {
	res, err := a.catalog.Search(r.Context(), cq)
	if err != nil {
		a.fail(w, r, err, "products")
		return
	}
	writeJSON(w, http.StatusOK, resultsOut(res))
}

func (a *API) product(w http.ResponseWriter, r *http.Request, _ *Call) {
	id, ok := pathID(w, r, "id", "prd", "product")
	if !ok {
		return
	}
	p, err := a.catalog.Product(r.Context(), id)
	if err != nil {
		a.fail(w, r, err, "product")
		return
	}
	writeJSON(w, http.StatusOK, productOut(p, false))
}
