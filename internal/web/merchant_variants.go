package web

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/catalog"
)

// boOption is one "name: value" pair of a variant form (size: M).
type boOption struct {
	Name, Value string
}

// boMinOptions is how many option rows a variant form offers at least.
const boMinOptions = 3

// boOptionRows lays out a variant's options as form rows, sorted by name,
// with empty rows to add more (up to catalog.MaxOptions).
func boOptionRows(opts map[string]string) []boOption {
	var rows []boOption
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		rows = append(rows, boOption{k, opts[k]})
	}
	return boPadOptions(rows)
}

func boPadOptions(rows []boOption) []boOption {
	for len(rows) < catalog.MaxOptions && (len(rows) < boMinOptions || rows[len(rows)-1] != boOption{}) {
		rows = append(rows, boOption{})
	}
	return rows
}

// boPostedOptions reads a variant form's option rows (opt_name_N and
// opt_value_N); blank rows are skipped. The rows come back as entered,
// for re-showing the form.
func boPostedOptions(r *http.Request) (map[string]string, []boOption, error) {
	opts := map[string]string{}
	var rows []boOption
	var err error
	for i := range catalog.MaxOptions {
		n := strings.TrimSpace(r.PostFormValue("opt_name_" + strconv.Itoa(i)))
		v := strings.TrimSpace(r.PostFormValue("opt_value_" + strconv.Itoa(i)))
		if n == "" && v == "" {
			continue
		}
		rows = append(rows, boOption{n, v})
		_, dup := opts[n]
		switch {
		case err != nil:
		case n == "" || v == "":
			err = &catalog.InvalidError{Field: "options", Msg: "give each option a name and a value, like size and M"}
		case dup:
			err = &catalog.InvalidError{Field: "options", Msg: "name each option once"}
		}
		opts[n] = v
	}
	return opts, boPadOptions(rows), err
}

// boPostedVariant reads a variant form priced in the product's currency.
func boPostedVariant(r *http.Request, prod catalog.Product) (catalog.NewVariant, map[string]string, []boOption, error) {
	f := boPosted(r, "v_sku", "v_title", "v_price")
	opts, rows, err := boPostedOptions(r)
	nv := catalog.NewVariant{SKU: f["v_sku"], Title: f["v_title"], Options: opts}
	if err == nil {
		nv.Price, err = catalog.ParsePrice("price", f["v_price"], prod.Currency)
	}
	return nv, f, rows, err
}

func (p *Pages) boVariantAdd(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	prod, ok := p.boLoadProduct(w, r, mc)
	if !ok {
		return
	}
	nv, f, rows, err := boPostedVariant(r, prod)
	if err == nil {
		_, err = p.catalog.AddVariant(r.Context(), mc.merchantID, prod.ID, nv)
	}
	p.boAfterProductChange(w, r, mc, err, f, rows)
}

// boLoadVariant loads the product and variant the path names, or answers 404.
func (p *Pages) boLoadVariant(w http.ResponseWriter, r *http.Request, mc boCtx) (catalog.Product, catalog.Variant, bool) {
	prod, ok := p.boLoadProduct(w, r, mc)
	if !ok {
		return prod, catalog.Variant{}, false
	}
	for _, v := range prod.Variants {
		if v.ID == r.PathValue("variant") {
			return prod, v, true
		}
	}
	p.notFound(w, r)
	return prod, catalog.Variant{}, false
}

func (p *Pages) boVariant(w http.ResponseWriter, r *http.Request, mc boCtx) {
	prod, v, ok := p.boLoadVariant(w, r, mc)
	if !ok {
		return
	}
	p.boRenderVariant(w, r, mc, prod, v, http.StatusOK, "",
		map[string]string{"v_title": v.Title, "v_price": v.Price.Decimal()}, boOptionRows(v.Options))
}

func (p *Pages) boRenderVariant(w http.ResponseWriter, r *http.Request, mc boCtx, prod catalog.Product, v catalog.Variant,
	status int, msg string, form map[string]string, rows []boOption) {
	pg := p.newPage(w, r, "Variant "+v.SKU)
	pg.Error, pg.Form = msg, form
	pg.Data = map[string]any{"Product": prod, "Variant": v, "Options": rows, "CanArchive": mc.can(authz.ProductArchive)}
	p.render(w, status, "merchant_variant.html", pg)
}

func (p *Pages) boVariantUpdate(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	prod, v, ok := p.boLoadVariant(w, r, mc)
	if !ok {
		return
	}
	nv, f, rows, err := boPostedVariant(r, prod)
	if err == nil {
		err = p.catalog.UpdateVariant(r.Context(), mc.merchantID, prod.ID, v.ID,
			catalog.VariantUpdate{Title: nv.Title, Options: nv.Options, Price: nv.Price})
	}
	if err == nil {
		http.Redirect(w, r, "/merchant/products/"+prod.ID, http.StatusSeeOther)
		return
	}
	status, msg, ok := boFormError(err)
	switch {
	case ok:
		p.boRenderVariant(w, r, mc, prod, v, status, msg, f, rows)
	case boNotFound(err):
		p.notFound(w, r)
	default:
		p.serverError(w, r, err)
	}
}

func (p *Pages) boVariantArchive(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	prod, v, ok := p.boLoadVariant(w, r, mc)
	if !ok {
		return
	}
	p.boAfterProductChange(w, r, mc, p.catalog.ArchiveVariant(r.Context(), mc.merchantID, prod.ID, v.ID), nil, nil)
}
