package web

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/citadel-store/citadel/internal/catalog"
)

// lowStock is the count from which the product page says "Only N left".
const lowStock = 5

// imageCache lets browsers and shared caches keep a product image for a
// week without asking: an image ID's bytes never change. It is not longer
// so that an image a merchant removes leaves caches within the week.
const imageCache = "public, max-age=604800, immutable"

// productData is the product page's.
type productData struct {
	chrome
	catalog.Product
	Choices     []variantChoice
	AnyInStock  bool
	PriceVaries bool   // the variants do not all cost the same
	Quantity    string // the quantity field's value
}

// variantChoice is one variant as the add-to-cart form offers it.
type variantChoice struct {
	catalog.Variant
	Stock   string // "In stock", "Only 3 left", "Out of stock"
	Out     bool
	Checked bool
}

// stockLabel says how much of a variant is left, without giving exact
// counts above lowStock.
func stockLabel(available int) string {
	switch {
	case available <= 0:
		return "Out of stock"
	case available <= lowStock:
		return "Only " + strconv.Itoa(available) + " left"
	}
	return "In stock"
}

func (p *Pages) productPage(w http.ResponseWriter, r *http.Request) {
	sh, err := p.shopper(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	p.renderProduct(w, r, sh, r.PathValue("id"), http.StatusOK, "", "", "1")
}

// renderProduct shows a product with the add-to-cart form: selected is the
// variant to preselect ("" for the first in stock), msg an error to show.
func (p *Pages) renderProduct(w http.ResponseWriter, r *http.Request, sh shopper, id string, status int, msg, selected, qty string) {
	prod, err := p.catalog.Product(r.Context(), id)
	if errors.Is(err, catalog.ErrNotFound) && msg != "" {
		p.errorPage(w, r, status, "Not added to your cart", msg)
		return
	}
	if errors.Is(err, catalog.ErrNotFound) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg, c := p.shopPage(w, r, sh, prod.Title)
	pg.Error = msg
	d := &productData{chrome: c, Product: prod, Quantity: qty}
	for _, v := range prod.Variants {
		ch := variantChoice{Variant: v, Stock: stockLabel(v.Available), Out: v.Available <= 0}
		d.AnyInStock = d.AnyInStock || !ch.Out
		d.PriceVaries = d.PriceVaries || v.Price != prod.MinPrice
		d.Choices = append(d.Choices, ch)
	}
	checked := false
	for i := range d.Choices { // the asked-for variant, else the first in stock
		if d.Choices[i].ID == selected && !d.Choices[i].Out {
			d.Choices[i].Checked, checked = true, true
		}
	}
	for i := range d.Choices {
		if !checked && !d.Choices[i].Out {
			d.Choices[i].Checked, checked = true, true
		}
	}
	pg.Data = d
	p.render(w, status, "shop_product.html", pg)
}

// productImage serves a public product image: only of an active product
// of an active merchant, with the type found from its bytes when it was
// uploaded, and a policy that lets nothing in it run.
func (p *Pages) productImage(w http.ResponseWriter, r *http.Request) {
	im, err := p.catalog.Image(r.Context(), r.PathValue("id"))
	if errors.Is(err, catalog.ErrNotFound) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	h := w.Header()
	etag := `"` + hex.EncodeToString(im.SHA256[:]) + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", imageCache)
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", im.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(im.Data)))
	w.Write(im.Data)
}

// favicon serves the site's icon from the embedded static files.
func (p *Pages) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/favicon.ico")
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=604800")
	w.Write(b)
}
