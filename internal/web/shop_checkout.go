package web

import (
	"net/http"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/tax"
)

// checkoutData is the checkout page's: the cart, the address form's
// choices and, once a country is chosen, the preview of each order.
type checkoutData struct {
	chrome
	Countries []option
	Methods   []methodChoice
	Orders    []orderPreview
	Total     *money.Amount // of every order together; nil without a preview
}

// methodChoice is a delivery method with its fee for the chosen country.
type methodChoice struct {
	Value, Label string
	Fee          money.Amount
	FreeAbove    *money.Amount
	Checked      bool
}

// orderPreview is one merchant's order as checkout will create it.
type orderPreview struct {
	MerchantName string
	Lines        []cart.Line
	Totals       order.Totals
}

func (p *Pages) checkoutPage(w http.ResponseWriter, r *http.Request) {
	sh, ok := p.checkoutShopper(w, r)
	if !ok {
		return
	}
	v, err := p.carts.Get(r.Context(), sh.owner)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	if len(v.Lines) == 0 {
		p.emptyCheckout(w, r, sh, http.StatusOK)
		return
	}
	if cartProblem(v) != "" {
		http.Redirect(w, r, "/cart?m=review", http.StatusSeeOther)
		return
	}
	form := map[string]string{"country": defaultCountry, "method": string(shipping.Standard)}
	p.renderCheckout(w, r, sh, v, form, http.StatusOK, "")
}

// checkoutShopper is the signed-in shopper who may check out their cart;
// on failure it has answered.
func (p *Pages) checkoutShopper(w http.ResponseWriter, r *http.Request) (shopper, bool) {
	sh, err := p.shopper(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return shopper{}, false
	}
	if sh.session == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return shopper{}, false
	}
	newOrder := authz.Object{Kind: "order", OwnerID: sh.owner}
	if !sh.mayUseCart(sh.owner) || !authz.Decide(sh.actor, authz.OrderCreate, newOrder, time.Now()).Allowed() {
		p.errorPage(w, r, http.StatusForbidden, "Not allowed", "This account cannot shop.")
		return shopper{}, false
	}
	return sh, true
}

// renderCheckout shows the checkout form with form's values and, when the
// country and method allow, the orders' totals.
func (p *Pages) renderCheckout(w http.ResponseWriter, r *http.Request, sh shopper, v cart.View, form map[string]string,
	status int, msg string) {
	pg, c := p.shopPage(w, r, sh, "Check out")
	pg.Form, pg.Error = form, msg
	d := &checkoutData{chrome: c}
	cur := v.Lines[0].UnitPrice.Currency
	for _, co := range countries {
		if _, err := shipping.Methods(co.code, cur); err == nil && tax.Supported(co.code) {
			d.Countries = append(d.Countries, option{co.code, co.name, co.code == form["country"]})
		}
	}
	if opts, err := shipping.Methods(form["country"], cur); err == nil {
		for _, o := range opts {
			d.Methods = append(d.Methods, methodChoice{Value: string(o.Method), Label: methodLabels[o.Method], Fee: o.Fee,
				FreeAbove: o.FreeAbove, Checked: string(o.Method) == form["method"]})
		}
		if err := d.preview(v, form["country"], shipping.Method(form["method"])); err != nil {
			p.serverError(w, r, err)
			return
		}
	}
	pg.Data = d
	p.render(w, status, "shop_checkout.html", pg)
}

// preview works out each merchant's order as order.Checkout will: one
// order per merchant, each with its own delivery fee.
func (d *checkoutData) preview(v cart.View, country string, m shipping.Method) error {
	if _, err := shipping.ParseMethod(string(m)); err != nil {
		return nil // no method chosen yet: no totals
	}
	at := map[string]int{}
	for _, l := range v.Lines {
		i, ok := at[l.MerchantID]
		if !ok {
			i = len(d.Orders)
			at[l.MerchantID] = i
			d.Orders = append(d.Orders, orderPreview{MerchantName: l.MerchantName})
		}
		d.Orders[i].Lines = append(d.Orders[i].Lines, l)
	}
	total := money.New(0, v.Lines[0].UnitPrice.Currency)
	for i := range d.Orders {
		var in []order.LineInput
		for _, l := range d.Orders[i].Lines {
			in = append(in, order.LineInput{UnitPrice: l.UnitPrice, Quantity: l.Quantity})
		}
		t, err := order.Compute(in, country, m)
		if err != nil {
			return err
		}
		d.Orders[i].Totals = t
		if total, err = total.Add(t.Total); err != nil {
			return err
		}
	}
	d.Total = &total
	return nil
}

// emptyCheckout answers a checkout of an empty cart, most often a second
// click on "Place order": it links the orders placed in the last hour.
func (p *Pages) emptyCheckout(w http.ResponseWriter, r *http.Request, sh shopper, status int) {
	l, err := p.orders.BuyerOrders(r.Context(), sh.owner, order.Page{Limit: 10})
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg, c := p.shopPage(w, r, sh, "Your cart is empty")
	d := &ordersData{chrome: c}
	for _, o := range l.Orders {
		if time.Since(o.CreatedAt) < time.Hour {
			d.Orders = append(d.Orders, orderRow{Order: o})
		}
	}
	if err := p.merchantNames(r, d.Orders); err != nil {
		p.serverError(w, r, err)
		return
	}
	pg.Data = d
	p.render(w, status, "shop_checkout_empty.html", pg)
}
