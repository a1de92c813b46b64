package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/citadel-store/citadel/internal/catalog"
)

// homeProducts is how many new products the home page shows.
const homeProducts = 8

// homeData is the home page's: the top-level categories and the newest
// products.
type homeData struct {
	chrome
	Categories []catalog.Category
	Newest     []catalog.Hit
}

// shopHome is the home page with the catalog: routes.go serves it at /
// once the store is wired in (WithCommerce); without the store the home
// page stays the plain welcome.
func (p *Pages) shopHome(w http.ResponseWriter, r *http.Request) {
	if p.catalog == nil {
		p.home(w, r)
		return
	}
	sh, err := p.shopper(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	cats, err := p.catalog.Categories(r.Context())
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	res, err := p.catalog.Newest(r.Context(), 1, homeProducts)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg, c := p.shopPage(w, r, sh, "Home")
	d := &homeData{chrome: c, Newest: res.Hits}
	for _, cat := range cats {
		if cat.Depth == 0 {
			d.Categories = append(d.Categories, cat)
		}
	}
	pg.Data = d
	p.render(w, http.StatusOK, "home.html", pg)
}

// listing is a page of products: a category or a merchant's storefront.
type listing struct {
	chrome
	Heading  string
	Path     string // the listing's own address, for page links
	Parent   *catalog.Category
	Children []catalog.Category
	Results  catalog.Results
}

// pageURL links another page of the listing.
func (l *listing) pageURL(n int) string {
	if n <= 1 {
		return l.Path
	}
	return l.Path + "?page=" + strconv.Itoa(n)
}

// PrevURL and NextURL link the pages around this one.
func (l *listing) PrevURL() string { return l.pageURL(l.Results.Page - 1) }
func (l *listing) NextURL() string { return l.pageURL(l.Results.Page + 1) }

func (p *Pages) categoryPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := p.catalog.CategoryBySlug(ctx, r.PathValue("slug"))
	if errors.Is(err, catalog.ErrNotFound) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	l := &listing{Heading: c.Name, Path: "/c/" + c.Slug}
	all, err := p.catalog.Categories(ctx)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	for i, x := range all {
		if x.ParentID == c.ID {
			l.Children = append(l.Children, x)
		}
		if x.ID == c.ParentID {
			l.Parent = &all[i]
		}
	}
	p.listPage(w, r, l, func(page int) (catalog.Results, error) {
		return p.catalog.ListCategory(ctx, c.Slug, page, perPage)
	})
}

func (p *Pages) merchantPage(w http.ResponseWriter, r *http.Request) {
	m, err := p.catalog.MerchantBySlug(r.Context(), r.PathValue("slug"))
	if errors.Is(err, catalog.ErrNotFound) || (err == nil && m.Status != catalog.StatusActive) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	l := &listing{Heading: m.Name, Path: "/m/" + m.Slug}
	p.listPage(w, r, l, func(page int) (catalog.Results, error) {
		return p.catalog.ListMerchant(r.Context(), m.ID, page, perPage)
	})
}

// listPage fills a listing with the requested page and renders it.
func (p *Pages) listPage(w http.ResponseWriter, r *http.Request, l *listing, list func(page int) (catalog.Results, error)) {
	sh, err := p.shopper(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	page, perr := parsePage(r.URL.Query().Get("page"))
	status := http.StatusOK
	if perr == nil {
		l.Results, err = list(page)
		if errors.Is(err, catalog.ErrNotFound) {
			p.notFound(w, r)
			return
		}
		if err != nil {
			p.serverError(w, r, err)
			return
		}
	}
	pg, c := p.shopPage(w, r, sh, l.Heading)
	if msg, ok := userMessage(perr); ok {
		pg.Error, status = msg, http.StatusBadRequest
	}
	l.chrome = c
	pg.Data = l
	p.render(w, status, "shop_listing.html", pg)
}
