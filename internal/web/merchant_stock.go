package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/inventory"
)

func (p *Pages) boWarehouses(w http.ResponseWriter, r *http.Request, mc boCtx) {
	p.boRenderWarehouses(w, r, mc, http.StatusOK, "", nil)
}

func (p *Pages) boRenderWarehouses(w http.ResponseWriter, r *http.Request, mc boCtx, status int, msg string, form map[string]string) {
	whs, err := p.inventory.Warehouses(r.Context(), mc.merchantID)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg := p.newPage(w, r, "Warehouses")
	pg.Error = msg
	if form != nil {
		pg.Form = form
	}
	pg.Data = whs
	p.render(w, status, "merchant_warehouses.html", pg)
}

func (p *Pages) boWarehouseCreate(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	f := boPosted(r, "name", "country")
	_, err := p.inventory.CreateWarehouse(r.Context(), mc.merchantID, strings.TrimSpace(f["name"]),
		strings.ToUpper(strings.TrimSpace(f["country"])))
	if err == nil {
		http.Redirect(w, r, "/merchant/warehouses", http.StatusSeeOther)
		return
	}
	if status, msg, ok := boFormError(err); ok {
		p.boRenderWarehouses(w, r, mc, status, msg, f)
		return
	}
	p.serverError(w, r, err)
}

// boStockRow is one variant's row of the stock page.
type boStockRow struct {
	Variant catalog.Variant
	Levels  []inventory.Level
}

func (p *Pages) boStock(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if prod, ok := p.boLoadProduct(w, r, mc); ok {
		p.boRenderStock(w, r, mc, prod, http.StatusOK, "", nil)
	}
}

// boStockKey names a stock cell's value in page.Form, for re-showing it.
func boStockKey(variantID, warehouseID string) string { return variantID + "/" + warehouseID }

func (p *Pages) boRenderStock(w http.ResponseWriter, r *http.Request, mc boCtx, prod catalog.Product, status int, msg string, form map[string]string) {
	rows := make([]boStockRow, 0, len(prod.Variants))
	for _, v := range prod.Variants {
		lv, err := p.inventory.StockLevels(r.Context(), mc.merchantID, v.ID)
		if err != nil {
			p.serverError(w, r, err)
			return
		}
		rows = append(rows, boStockRow{v, lv})
	}
	pg := p.newPage(w, r, "Stock: "+prod.Title)
	pg.Error = msg
	if form != nil {
		pg.Form = form
	}
	pg.Data = map[string]any{"Product": prod, "Rows": rows}
	p.render(w, status, "merchant_stock.html", pg)
}

// boStockSet sets the units on hand of one variant in one
// warehouse. The variant must be of the product in the path and the
// warehouse the merchant's own: anything else is a 404 before the number
// is even read.
func (p *Pages) boStockSet(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	prod, v, ok := p.boLoadVariant(w, r, mc)
	if !ok {
		return
	}
	whs, err := p.inventory.Warehouses(r.Context(), mc.merchantID)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	wid := r.PathValue("warehouse")
	if !boHasWarehouse(whs, wid) {
		p.notFound(w, r)
		return
	}
	raw := r.PostFormValue("on_hand")
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil {
		err = &inventory.ValidationError{Field: "on_hand", Msg: "enter a whole number from 0 to 1,000,000,000"}
	} else {
		_, err = p.inventory.SetStock(r.Context(), mc.merchantID, v.ID, wid, n)
	}
	if err == nil {
		http.Redirect(w, r, "/merchant/products/"+prod.ID+"/stock", http.StatusSeeOther)
		return
	}
	status, msg, ok := boFormError(err)
	switch {
	case ok:
		p.boRenderStock(w, r, mc, prod, status, v.SKU+": "+msg, map[string]string{boStockKey(v.ID, wid): raw})
	case boNotFound(err):
		p.notFound(w, r)
	default:
		p.serverError(w, r, err)
	}
}

func boHasWarehouse(whs []inventory.Warehouse, id string) bool {
	for _, wh := range whs {
		if wh.ID == id {
			return true
		}
	}
	return false
}
