package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
)

const boProductsPerPage = 24

// boCurrencies are those the product form offers; the catalog checks the
// one chosen anyway.
var boCurrencies = []money.Currency{"EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "ISK",
	"CAD", "AUD", "NZD", "SGD", "HKD", "JPY", "KRW", "KWD", "BHD", "JOD"}

// boCategory is a category as the form's select shows it: indented
// by depth.
type boCategory struct {
	ID, Label string
}

func (p *Pages) boCategories(r *http.Request) ([]boCategory, error) {
	cats, err := p.catalog.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]boCategory, len(cats))
	for i, c := range cats {
		out[i] = boCategory{c.ID, strings.Repeat("— ", c.Depth) + c.Name}
	}
	return out, nil
}

// boPageParam reads ?page=, from 1, bounded so no link asks for results
// the catalog does not serve.
func boPageParam(r *http.Request, perPage int) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, catalog.MaxResults/perPage)
}

func (p *Pages) boProducts(w http.ResponseWriter, r *http.Request, mc boCtx) {
	n := boPageParam(r, boProductsPerPage)
	res, err := p.catalog.ListMerchant(r.Context(), mc.merchantID, n, boProductsPerPage)
	pg := p.newPage(w, r, "Products")
	switch {
	case boNotFound(err):
		pg.Notice = "Your storefront is suspended: its products are hidden from the shop and from this list."
	case err != nil:
		p.serverError(w, r, err)
		return
	}
	archived, err := p.catalog.ArchivedProducts(r.Context(), mc.merchantID, 100)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg.Data = map[string]any{"Results": res, "Prev": n - 1, "Next": n + 1, "Archived": archived}
	p.render(w, http.StatusOK, "merchant_products.html", pg)
}

func (p *Pages) boProductNew(w http.ResponseWriter, r *http.Request, mc boCtx) {
	p.boRenderProductNew(w, r, http.StatusOK, "", map[string]string{"currency": "EUR"}, boOptionRows(nil))
}

func (p *Pages) boRenderProductNew(w http.ResponseWriter, r *http.Request, status int, msg string, form map[string]string, rows []boOption) {
	cats, err := p.boCategories(r)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg := p.newPage(w, r, "New product")
	pg.Error, pg.Form = msg, form
	pg.Data = map[string]any{"Categories": cats, "Currencies": boCurrencies, "Options": rows}
	p.render(w, status, "merchant_product_new.html", pg)
}

func (p *Pages) boProductCreate(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	f := boPosted(r, "title", "description", "category", "currency", "sku", "variant_title", "price")
	opts, rows, err := boPostedOptions(r)
	np := catalog.NewProduct{CategoryID: f["category"], Title: f["title"], Description: f["description"]}
	if err == nil {
		np.Currency, err = boCurrency(f["currency"])
	}
	var price money.Amount
	if err == nil {
		price, err = catalog.ParsePrice("price", f["price"], np.Currency)
	}
	if err == nil {
		np.Variants = []catalog.NewVariant{{SKU: f["sku"], Title: f["variant_title"], Options: opts, Price: price}}
		var prod catalog.Product
		if prod, err = p.catalog.CreateProduct(r.Context(), mc.merchantID, np); err == nil {
			http.Redirect(w, r, "/merchant/products/"+prod.ID, http.StatusSeeOther)
			return
		}
	}
	status, msg, ok := boFormError(err)
	if !ok {
		p.serverError(w, r, err)
		return
	}
	p.boRenderProductNew(w, r, status, msg, f, rows)
}

func boCurrency(s string) (money.Currency, error) {
	c, err := money.ParseCurrency(strings.TrimSpace(s))
	if err != nil {
		return "", &catalog.InvalidError{Field: "currency", Msg: "choose a currency"}
	}
	return c, nil
}

// posted returns the named form values; the services check them.
func boPosted(r *http.Request, names ...string) map[string]string {
	f := make(map[string]string, len(names))
	for _, n := range names {
		f[n] = r.PostFormValue(n)
	}
	return f
}

// boLoadProduct loads the merchant's own product named by the path, or
// answers 404 (another merchant's product is not told apart from none).
func (p *Pages) boLoadProduct(w http.ResponseWriter, r *http.Request, mc boCtx) (catalog.Product, bool) {
	prod, err := p.catalog.MerchantProduct(r.Context(), mc.merchantID, r.PathValue("id"))
	switch {
	case boNotFound(err), err == nil && !mc.allows("product", prod.ID, prod.MerchantID):
		p.notFound(w, r)
		return prod, false
	case err != nil:
		p.serverError(w, r, err)
		return prod, false
	}
	return prod, true
}

func (p *Pages) boProduct(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if prod, ok := p.boLoadProduct(w, r, mc); ok {
		p.boRenderProduct(w, r, mc, prod, http.StatusOK, "", nil, nil)
	}
}

// boRenderProduct shows the product's editor: its details form (with the
// posted values in over, when re-shown), variants, images and the form to
// add a variant (with rows, when re-shown).
func (p *Pages) boRenderProduct(w http.ResponseWriter, r *http.Request, mc boCtx, prod catalog.Product,
	status int, msg string, over map[string]string, rows []boOption) {
	cats, err := p.boCategories(r)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg := p.newPage(w, r, prod.Title)
	pg.Error = msg
	pg.Form = map[string]string{"title": prod.Title, "description": prod.Description, "category": prod.CategoryID}
	for k, v := range over {
		pg.Form[k] = v
	}
	if rows == nil {
		rows = boOptionRows(nil)
	}
	pg.Data = map[string]any{"Product": prod, "Categories": cats, "Options": rows,
		"CanArchive": mc.can(authz.ProductArchive), "MaxImages": catalog.MaxImages, "UploadLimit": boUploadLimitText}
	p.render(w, status, "merchant_product.html", pg)
}

func (p *Pages) boProductUpdate(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	f := boPosted(r, "title", "description", "category")
	err := p.catalog.UpdateProduct(r.Context(), mc.merchantID, r.PathValue("id"),
		catalog.ProductUpdate{CategoryID: f["category"], Title: f["title"], Description: f["description"]})
	p.boAfterProductChange(w, r, mc, err, f, nil)
}

// boAfterProductChange answers a change to a product: back to its page, or
// the page again with the message and the posted values, or a 404.
func (p *Pages) boAfterProductChange(w http.ResponseWriter, r *http.Request, mc boCtx, err error, over map[string]string, rows []boOption) {
	if err == nil {
		http.Redirect(w, r, "/merchant/products/"+r.PathValue("id"), http.StatusSeeOther)
		return
	}
	status, msg, ok := boFormError(err)
	if !ok {
		if boNotFound(err) {
			p.notFound(w, r)
		} else {
			p.serverError(w, r, err)
		}
		return
	}
	// Load after the refusal: a product that is not this merchant's is a
	// 404 whatever else was wrong with the form.
	if prod, found := p.boLoadProduct(w, r, mc); found {
		p.boRenderProduct(w, r, mc, prod, status, msg, over, rows)
	}
}

func (p *Pages) boProductStatus(archive bool) boHandler {
	return func(w http.ResponseWriter, r *http.Request, mc boCtx) {
		if !p.parseForm(w, r) {
			return
		}
		change := p.catalog.RestoreProduct
		if archive {
			change = p.catalog.ArchiveProduct
		}
		p.boAfterProductChange(w, r, mc, change(r.Context(), mc.merchantID, r.PathValue("id")), nil, nil)
	}
}
