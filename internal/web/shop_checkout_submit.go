package web

import (
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/shipping"
)

// countries are the destinations the form offers, by name; the checkout
// page keeps those tax and shipping both support for the cart's currency.
var countries = []struct{ code, name string }{
	{"AT", "Austria"}, {"BE", "Belgium"}, {"DK", "Denmark"}, {"FR", "France"}, {"DE", "Germany"},
	{"IE", "Ireland"}, {"IT", "Italy"}, {"NL", "Netherlands"}, {"ES", "Spain"}, {"SE", "Sweden"},
	{"CH", "Switzerland"}, {"GB", "United Kingdom"}, {"US", "United States"},
}

// defaultCountry is preselected so the first view of checkout already
// shows tax and delivery; the shopper changes it with "Update totals".
const defaultCountry = "DE"

var methodLabels = map[shipping.Method]string{shipping.Standard: "Standard delivery", shipping.Express: "Express delivery"}

// fieldLabels name order.ValidationError fields as the form does.
var fieldLabels = map[string]string{
	"address.name": "Name", "address.lines": "Address", "address.city": "City", "address.postcode": "Postcode",
	"address.phone": "Phone", "country": "Country", "shipping_method": "Delivery", "cart": "Cart",
}

// formLabels name the form's fields in messages.
var formLabels = map[string]string{
	"name": "full name", "line1": "address", "line2": "address line 2", "line3": "address line 3", "city": "town or city",
	"postcode": "postcode", "phone": "phone number", "country": "country", "method": "delivery method",
}

// addressFields are the form's fields with their byte limits (the order
// package checks characters; these only bound what is read).
var addressFields = []struct {
	name  string
	limit int
}{
	{"name", 400}, {"line1", 400}, {"line2", 400}, {"line3", 400}, {"city", 400}, {"postcode", 64},
	{"phone", 64}, {"country", 2}, {"method", 16},
}

func (p *Pages) checkoutSubmit(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	sh, ok := p.checkoutShopper(w, r)
	if !ok {
		return
	}
	form := map[string]string{}
	tooLong := ""
	for _, f := range addressFields {
		v, ok := formText(r, f.name, f.limit)
		form[f.name] = v
		if !ok && tooLong == "" {
			tooLong = f.name
		}
	}
	v, err := p.carts.Get(r.Context(), sh.owner)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	if len(v.Lines) == 0 {
		p.emptyCheckout(w, r, sh, http.StatusConflict)
		return
	}
	if msg := cartProblem(v); msg != "" {
		p.renderCart(w, r, sh, http.StatusConflict, msg, "")
		return
	}
	if r.PostFormValue("action") != "place" {
		p.renderCheckout(w, r, sh, v, form, http.StatusOK, "")
		return
	}
	if tooLong != "" {
		p.renderCheckout(w, r, sh, v, form, http.StatusUnprocessableEntity, "Check the "+formLabels[tooLong]+": it is too long or not plain text.")
		return
	}
	addr := order.Address{Name: form["name"], City: form["city"], Postcode: form["postcode"], Phone: form["phone"]}
	for _, l := range []string{form["line1"], form["line2"], form["line3"]} {
		if l != "" {
			addr.Lines = append(addr.Lines, l)
		}
	}
	orders, err := p.orders.Checkout(r.Context(), order.CheckoutRequest{BuyerID: sh.owner, CartOwner: sh.owner,
		Address: addr, Country: form["country"], ShippingMethod: shipping.Method(form["method"])})
	var ve *order.ValidationError
	var oos *order.OutOfStockError
	var ie *order.ItemError
	switch {
	case err == nil:
		http.Redirect(w, r, "/orders/"+orders[0].ID+"?placed=1", http.StatusSeeOther)
	case errors.As(err, &ve):
		p.renderCheckout(w, r, sh, v, form, http.StatusUnprocessableEntity, fieldLabels[ve.Field]+": "+ve.Msg+".")
	case errors.Is(err, shipping.ErrUnsupportedCurrency), errors.Is(err, shipping.ErrUnsupportedCountry):
		p.renderCheckout(w, r, sh, v, form, http.StatusUnprocessableEntity, "We cannot deliver this cart to that country: choose another.")
	case errors.Is(err, order.ErrEmptyCart):
		p.emptyCheckout(w, r, sh, http.StatusConflict)
	case errors.As(err, &oos):
		p.renderCart(w, r, sh, http.StatusConflict, outOfStockMessage(lineName(v, oos.VariantID), oos.Available), "")
	case errors.As(err, &ie) && errors.Is(err, order.ErrPriceChanged):
		p.renderCart(w, r, sh, http.StatusConflict, "The price of "+lineName(v, ie.VariantID)+" has gone up: accept the new price to check out.", "")
	case errors.As(err, &ie):
		p.renderCart(w, r, sh, http.StatusConflict, lineName(v, ie.VariantID)+" is no longer for sale: remove it to check out.", "")
	case errors.Is(err, order.ErrMixedCurrency):
		p.renderCart(w, r, sh, http.StatusConflict, capitalise(err.Error())+".", "")
	default:
		p.serverError(w, r, err)
	}
}

// cartProblem explains the first thing that stops checkout of the cart as
// it is now, or returns "".
func cartProblem(v cart.View) string {
	for _, w := range v.Warnings {
		switch w.Kind {
		case cart.MixedCurrency:
			return capitalise(order.ErrMixedCurrency.Error()) + "."
		case cart.Unavailable:
			return lineName(v, w.VariantID) + " is no longer for sale: remove it to check out. Nothing was ordered."
		case cart.OverStock:
			for _, l := range v.Lines {
				if l.VariantID == w.VariantID {
					return outOfStockMessage(lineName(v, l.VariantID), l.Available)
				}
			}
		}
	}
	for _, l := range v.Lines {
		if l.UnitPrice.Currency != l.SeenPrice.Currency || l.UnitPrice.Minor > l.SeenPrice.Minor {
			return "The price of " + lineName(v, l.VariantID) + " has gone up: accept the new price to check out. Nothing was ordered."
		}
	}
	return ""
}

// outOfStockMessage says which line cannot be had and how many are left.
func outOfStockMessage(name string, available int) string {
	if available <= 0 {
		return "Sorry: " + name + " has just sold out. Remove it from your cart to check out. Nothing was ordered."
	}
	return "Sorry: only " + groupThousands(available) + " of " + name +
		" are left. Lower the quantity to check out. Nothing was ordered."
}

// lineName names a cart line for a message: “Title (Variant)”.
func lineName(v cart.View, variantID string) string {
	for _, l := range v.Lines {
		if l.VariantID == variantID {
			return "“" + l.Title + " (" + l.VariantTitle + ")”"
		}
	}
	return "an item in your cart"
}
