package api

import (
	"context"
	"net/http"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/catalog"
)

// merchantProductRoutes are the merchant's catalog: the token's account's
// merchant only. Every product is read with the merchant in the query
// (another merchant's is not found) and then decided on by authz.
func (a *API) merchantProductRoutes() []Route {
	return []Route{
		{Pattern: "GET /api/v1/merchant/products", Action: authz.ProductUpdate, handler: a.merchantProducts},
		{Pattern: "POST /api/v1/merchant/products", Action: authz.ProductCreate, Idempotent: true, handler: a.productCreate},
		{Pattern: "GET /api/v1/merchant/products/{id}", Action: authz.ProductUpdate, handler: a.merchantProduct},
		{Pattern: "PATCH /api/v1/merchant/products/{id}", Action: authz.ProductUpdate, handler: a.productUpdate},
		{Pattern: "POST /api/v1/merchant/products/{id}/archive", Action: authz.ProductArchive, handler: a.productArchive},
		{Pattern: "POST /api/v1/merchant/products/{id}/restore", Action: authz.ProductArchive, handler: a.productRestore},
		{Pattern: "POST /api/v1/merchant/products/{id}/variants", Action: authz.ProductUpdate, Idempotent: true, handler: a.variantAdd},
		{Pattern: "PATCH /api/v1/merchant/products/{id}/variants/{variant_id}", Action: authz.ProductUpdate, handler: a.variantUpdate},
		{Pattern: "POST /api/v1/merchant/products/{id}/variants/{variant_id}/archive", Action: authz.ProductUpdate, handler: a.variantArchive},
	}
}

func productObject(p catalog.Product) authz.Object {
	return authz.Object{Kind: "product", ID: p.ID, MerchantID: p.MerchantID}
}

// merchantProducts lists the merchant's products on sale, newest first.
// TODO(catalog): archived products are missing; the catalog has no
// merchant-side listing yet.
func (a *API) merchantProducts(w http.ResponseWriter, r *http.Request, c *Call) {
	q := newQuery(r)
	cq := catalog.Query{
		MerchantID: c.Actor.MerchantID, Sort: catalog.SortNewest,
		Page:    q.integer("page", 1, 1, catalog.MaxResults),
		PerPage: q.integer("per_page", catalog.DefaultPerPage, 1, catalog.MaxPerPage),
	}
	if q.err != nil {
		writeAPIError(w, q.err)
		return
	}
	if !a.decide(w, r, c, authz.ProductUpdate, authz.Object{Kind: "product", MerchantID: c.Actor.MerchantID}, "merchant") {
		return
	}
	a.runSearch(w, r, cq)
}

// loadProduct reads the caller's merchant's product and decides act on it.
func (a *API) loadProduct(w http.ResponseWriter, r *http.Request, c *Call, act authz.Action) (catalog.Product, bool) {
	id, ok := pathID(w, r, "id", "prd", "product")
	if !ok {
		return catalog.Product{}, false
	}
	p, err := a.catalog.MerchantProduct(r.Context(), c.Actor.MerchantID, id)
	if err != nil {
		a.fail(w, r, err, "product")
		return catalog.Product{}, false
	}
	return p, a.decide(w, r, c, act, productObject(p), "product")
}

// writeProduct answers the product as it now is.
func (a *API) writeProduct(w http.ResponseWriter, r *http.Request, c *Call, id string, status int) {
	p, err := a.catalog.MerchantProduct(r.Context(), c.Actor.MerchantID, id)
	if err != nil {
		a.fail(w, r, err, "product")
		return
	}
	writeJSON(w, status, productOut(p, true))
}

func (a *API) merchantProduct(w http.ResponseWriter, r *http.Request, c *Call) {
	if p, ok := a.loadProduct(w, r, c, authz.ProductUpdate); ok {
		writeJSON(w, http.StatusOK, productOut(p, true))
	}
}

func (a *API) productCreate(w http.ResponseWriter, r *http.Request, c *Call) {
	var req productRequest
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	np, e := req.validate()
	if e != nil {
		writeAPIError(w, e)
		return
	}
	if !a.decide(w, r, c, authz.ProductCreate, authz.Object{Kind: "product", MerchantID: c.Actor.MerchantID}, "merchant") {
		return
	}
	p, err := a.catalog.CreateProduct(r.Context(), c.Actor.MerchantID, np)
	if err != nil {
		a.fail(w, r, err, "merchant")
		return
	}
	writeJSON(w, http.StatusCreated, productOut(p, true))
}

func (a *API) productUpdate(w http.ResponseWriter, r *http.Request, c *Call) {
	var req productPatch
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	p, ok := a.loadProduct(w, r, c, authz.ProductUpdate)
	if !ok {
		return
	}
	u, e := req.apply(p)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	if err := a.catalog.UpdateProduct(r.Context(), c.Actor.MerchantID, p.ID, u); err != nil {
		a.fail(w, r, err, "product")
		return
	}
	a.writeProduct(w, r, c, p.ID, http.StatusOK)
}

func (a *API) productArchive(w http.ResponseWriter, r *http.Request, c *Call) {
	a.setProductStatus(w, r, c, a.catalog.ArchiveProduct)
}

func (a *API) productRestore(w http.ResponseWriter, r *http.Request, c *Call) {
	a.setProductStatus(w, r, c, a.catalog.RestoreProduct)
}

func (a *API) setProductStatus(w http.ResponseWriter, r *http.Request, c *Call, set func(ctx context.Context, merchantID, productID string) error) {
	p, ok := a.loadProduct(w, r, c, authz.ProductArchive)
	if !ok {
		return
	}
	if err := set(r.Context(), c.Actor.MerchantID, p.ID); err != nil {
		a.fail(w, r, err, "product")
		return
	}
	a.writeProduct(w, r, c, p.ID, http.StatusOK)
}

func (a *API) variantAdd(w http.ResponseWriter, r *http.Request, c *Call) {
	var req variantRequest
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	p, ok := a.loadProduct(w, r, c, authz.ProductUpdate)
	if !ok {
		return
	}
	nv, e := req.validate("", p.Currency)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	v, err := a.catalog.AddVariant(r.Context(), c.Actor.MerchantID, p.ID, nv)
	if err != nil {
		a.fail(w, r, err, "product")
		return
	}
	writeJSON(w, http.StatusCreated, variantOut(v, true))
}

// loadVariant reads a variant of the caller's merchant's product.
func (a *API) loadVariant(w http.ResponseWriter, r *http.Request, c *Call) (catalog.Product, catalog.Variant, bool) {
	p, ok := a.loadProduct(w, r, c, authz.ProductUpdate)
	if !ok {
		return p, catalog.Variant{}, false
	}
	id, ok := pathID(w, r, "variant_id", "var", "variant")
	if !ok {
		return p, catalog.Variant{}, false
	}
	for _, v := range p.Variants {
		if v.ID == id {
			return p, v, true
		}
	}
	writeAPIError(w, notFound("variant"))
	return p, catalog.Variant{}, false
}

func (a *API) variantUpdate(w http.ResponseWriter, r *http.Request, c *Call) {
	var req variantPatch
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	p, v, ok := a.loadVariant(w, r, c)
	if !ok {
		return
	}
	u, e := req.apply(v, p.Currency)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	if err := a.catalog.UpdateVariant(r.Context(), c.Actor.MerchantID, p.ID, v.ID, u); err != nil {
		a.fail(w, r, err, "variant")
		return
	}
	a.writeProduct(w, r, c, p.ID, http.StatusOK)
}

func (a *API) variantArchive(w http.ResponseWriter, r *http.Request, c *Call) {
	p, v, ok := a.loadVariant(w, r, c)
	if !ok {
		return
	}
	if err := a.catalog.ArchiveVariant(r.Context(), c.Actor.MerchantID, p.ID, v.ID); err != nil {
		a.fail(w, r, err, "variant")
		return
	}
	a.writeProduct(w, r, c, p.ID, http.StatusOK)
}
