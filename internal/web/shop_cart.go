package web

import (
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/ids"
)

// cartData is the cart page's.
type cartData struct {
	chrome
	Lines     []cartLine
	Subtotals []cart.Subtotal
	// MixedCurrency, PriceChanged and Blocked are about the whole cart:
	// Blocked means checkout would refuse it as it is.
	MixedCurrency bool
	PriceChanged  bool
	Blocked       bool
	SignedIn      bool
}

// cartLine is a cart line with what is wrong with it.
type cartLine struct {
	cart.Line
	Unavailable bool
	OverStock   bool
	PriceUp     bool
	PriceDown   bool
	Stock       string
}

// cartNotices are the messages a redirect to the cart may ask for (by
// key, so no text ever comes from the URL).
var cartNotices = map[string]string{
	"added":    "Added to your cart.",
	"updated":  "Your cart is updated.",
	"removed":  "Removed from your cart.",
	"accepted": "You accepted today's prices.",
	"review":   "Please check your cart: something in it needs your attention before you can check out.",
}

func (p *Pages) cartPage(w http.ResponseWriter, r *http.Request) {
	sh, err := p.shopper(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	p.renderCart(w, r, sh, http.StatusOK, "", cartNotices[r.URL.Query().Get("m")])
}

// renderCart shows the shopper's cart priced as of now, with msg as an
// error and notice as a notice.
func (p *Pages) renderCart(w http.ResponseWriter, r *http.Request, sh shopper, status int, msg, notice string) {
	if sh.owner != "" && !sh.mayUseCart(sh.owner) {
		p.errorPage(w, r, http.StatusForbidden, "Not allowed", "This account cannot shop.")
		return
	}
	var v cart.View
	if sh.owner != "" {
		var err error
		if v, err = p.carts.Get(r.Context(), sh.owner); err != nil {
			p.serverError(w, r, err)
			return
		}
	}
	pg, c := p.shopPage(w, r, sh, "Your cart")
	pg.Error, pg.Notice = msg, notice
	d := &cartData{chrome: c, Subtotals: v.Subtotals, SignedIn: sh.session != nil, Blocked: cartProblem(v) != ""}
	warned := map[string]map[cart.WarningKind]bool{}
	for _, wn := range v.Warnings {
		if wn.Kind == cart.MixedCurrency {
			d.MixedCurrency = true
			continue
		}
		if warned[wn.VariantID] == nil {
			warned[wn.VariantID] = map[cart.WarningKind]bool{}
		}
		warned[wn.VariantID][wn.Kind] = true
	}
	for _, l := range v.Lines {
		k := warned[l.VariantID]
		cl := cartLine{Line: l, Unavailable: k[cart.Unavailable], OverStock: k[cart.OverStock], Stock: stockLabel(l.Available)}
		if k[cart.PriceChanged] {
			cl.PriceUp = l.UnitPrice.Currency != l.SeenPrice.Currency || l.UnitPrice.Minor > l.SeenPrice.Minor
			cl.PriceDown = !cl.PriceUp
			d.PriceChanged = true
		}
		d.Lines = append(d.Lines, cl)
	}
	pg.Data = d
	p.render(w, status, "shop_cart.html", pg)
}

// cartEdit starts a cart change: a checked form, the shopper, and
// authz.CartWrite on their cart. On failure it has answered.
func (p *Pages) cartEdit(w http.ResponseWriter, r *http.Request) (shopper, bool) {
	if !p.parseForm(w, r) {
		return shopper{}, false
	}
	sh, err := p.shopper(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return shopper{}, false
	}
	if sh.owner != "" && !sh.mayUseCart(sh.owner) {
		p.errorPage(w, r, http.StatusForbidden, "Not allowed", "This account cannot shop.")
		return shopper{}, false
	}
	return sh, true
}

func (p *Pages) cartAdd(w http.ResponseWriter, r *http.Request) {
	sh, ok := p.cartEdit(w, r)
	if !ok {
		return
	}
	productID, variant := r.PostFormValue("product"), r.PostFormValue("variant")
	qtyText := r.PostFormValue("quantity")
	fail := func(status int, msg string) {
		if len(qtyText) > 6 {
			qtyText = "1"
		}
		if !ids.Valid("prd", productID) {
			p.errorPage(w, r, status, "Not added to your cart", msg)
			return
		}
		p.renderProduct(w, r, sh, productID, status, msg, variant, qtyText)
	}
	qty, err := parseQuantity(qtyText, false, cart.MaxQuantity)
	if !ids.Valid("var", variant) {
		fail(http.StatusUnprocessableEntity, "Choose one of the options offered.")
		return
	}
	if err != nil {
		msg, _ := userMessage(err)
		fail(http.StatusUnprocessableEntity, msg)
		return
	}
	fresh := sh.ensureOwner()
	if !sh.mayUseCart(sh.owner) {
		p.errorPage(w, r, http.StatusForbidden, "Not allowed", "This account cannot shop.")
		return
	}
	var ve *cart.ValidationError
	switch err := p.carts.Add(r.Context(), sh.owner, variant, qty); {
	case err == nil:
	case errors.Is(err, cart.ErrNotFound):
		fail(http.StatusUnprocessableEntity, "Choose one of the options offered.")
		return
	case errors.Is(err, cart.ErrUnavailable), errors.Is(err, cart.ErrCartFull):
		fail(http.StatusConflict, capitalise(err.Error())+".")
		return
	case errors.As(err, &ve):
		fail(http.StatusUnprocessableEntity, capitalise(ve.Msg)+".")
		return
	default:
		p.serverError(w, r, err)
		return
	}
	if fresh {
		setCartCookie(w, sh.owner)
	}
	http.Redirect(w, r, "/cart?m=added", http.StatusSeeOther)
}

func (p *Pages) cartUpdate(w http.ResponseWriter, r *http.Request) {
	sh, ok := p.cartEdit(w, r)
	if !ok {
		return
	}
	variant := r.PostFormValue("variant")
	qty, err := parseQuantity(r.PostFormValue("quantity"), true, cart.MaxQuantity)
	if msg, bad := userMessage(err); bad {
		p.renderCart(w, r, sh, http.StatusUnprocessableEntity, msg, "")
		return
	}
	if sh.owner == "" || !ids.Valid("var", variant) {
		p.renderCart(w, r, sh, http.StatusNotFound, "That item is not in your cart.", "")
		return
	}
	var ve *cart.ValidationError
	switch err := p.carts.SetQuantity(r.Context(), sh.owner, variant, qty); {
	case err == nil:
	case errors.Is(err, cart.ErrNotFound):
		p.renderCart(w, r, sh, http.StatusNotFound, "That item is not in your cart.", "")
		return
	case errors.As(err, &ve):
		p.renderCart(w, r, sh, http.StatusUnprocessableEntity, capitalise(ve.Msg)+".", "")
		return
	default:
		p.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/cart?m=updated", http.StatusSeeOther)
}

func (p *Pages) cartRemove(w http.ResponseWriter, r *http.Request) {
	sh, ok := p.cartEdit(w, r)
	if !ok {
		return
	}
	variant := r.PostFormValue("variant")
	if !ids.Valid("var", variant) {
		p.renderCart(w, r, sh, http.StatusNotFound, "That item is not in your cart.", "")
		return
	}
	if sh.owner != "" {
		if err := p.carts.Remove(r.Context(), sh.owner, variant); err != nil {
			p.serverError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/cart?m=removed", http.StatusSeeOther)
}

func (p *Pages) cartAccept(w http.ResponseWriter, r *http.Request) {
	sh, ok := p.cartEdit(w, r)
	if !ok {
		return
	}
	if sh.owner != "" {
		if err := p.carts.AcceptPrices(r.Context(), sh.owner); err != nil {
			p.serverError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/cart?m=accepted", http.StatusSeeOther)
}
