package api

import (
	"net/http"

	"github.com/citadel-store/citadel/internal/authz"
)

// merchantStockRoutes are the merchant's warehouses and stock. The
// inventory service checks in its queries that the variant and the
// warehouse both belong to the caller's merchant.
func (a *API) merchantStockRoutes() []Route {
	return []Route{
		{Pattern: "GET /api/v1/merchant/warehouses", Action: authz.StockAdjust, handler: a.warehouses},
		{Pattern: "POST /api/v1/merchant/warehouses", Action: authz.StockAdjust, Idempotent: true, handler: a.warehouseCreate},
		{Pattern: "GET /api/v1/merchant/stock", Action: authz.StockAdjust, handler: a.stockLevels},
		{Pattern: "PUT /api/v1/merchant/stock", Action: authz.StockAdjust, handler: a.stockSet},
	}
}

// ownStock is the caller's merchant's stock as authz sees it; which rows
// that covers is the inventory query's tenancy.
func ownStock(c *Call) authz.Object {
	return authz.Object{Kind: "stock", MerchantID: c.Actor.MerchantID}
}

func (a *API) warehouses(w http.ResponseWriter, r *http.Request, c *Call) {
	if !a.decide(w, r, c, authz.StockAdjust, ownStock(c), "merchant") {
		return
	}
	whs, err := a.inventory.Warehouses(r.Context(), c.Actor.MerchantID)
	if err != nil {
		a.fail(w, r, err, "merchant")
		return
	}
	out := make([]warehouseJSON, len(whs))
	for i, wh := range whs {
		out[i] = warehouseOut(wh)
	}
	writeJSON(w, http.StatusOK, map[string]any{"warehouses": out})
}

func (a *API) warehouseCreate(w http.ResponseWriter, r *http.Request, c *Call) {
	var req warehouseRequest
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	if !a.decide(w, r, c, authz.StockAdjust, ownStock(c), "merchant") {
		return
	}
	wh, err := a.inventory.CreateWarehouse(r.Context(), c.Actor.MerchantID, req.Name, req.Country)
	if err != nil {
		a.fail(w, r, err, "merchant")
		return
	}
	writeJSON(w, http.StatusCreated, warehouseOut(wh))
}

// stockLevels lists a variant's stock in each of the merchant's
// warehouses: GET /api/v1/merchant/stock?variant_id=var_...
func (a *API) stockLevels(w http.ResponseWriter, r *http.Request, c *Call) {
	q := newQuery(r)
	id := q.id("variant_id", "var")
	if q.err == nil && id == "" {
		q.err = missing("variant_id")
	}
	if q.err != nil {
		writeAPIError(w, q.err)
		return
	}
	if !a.decide(w, r, c, authz.StockAdjust, ownStock(c), "variant") {
		return
	}
	levels, err := a.inventory.StockLevels(r.Context(), c.Actor.MerchantID, id)
	if err != nil {
		a.fail(w, r, err, "variant")
		return
	}
	out := make([]stockLevelJSON, len(levels))
	for i, l := range levels {
		out[i] = levelOut(l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"variant_id": id, "levels": out})
}

// stockSet sets the units on hand of a variant in a warehouse.
func (a *API) stockSet(w http.ResponseWriter, r *http.Request, c *Call) {
	var req stockRequest
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	s, e := req.validate()
	if e != nil {
		writeAPIError(w, e)
		return
	}
	if !a.decide(w, r, c, authz.StockAdjust, ownStock(c), "variant or warehouse") {
		return
	}
	l, err := a.inventory.SetStock(r.Context(), c.Actor.MerchantID, s.variantID, s.warehouseID, s.onHand)
	if err != nil {
		a.fail(w, r, err, "variant or warehouse")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"variant_id": s.variantID, "level": levelOut(l)})
}
