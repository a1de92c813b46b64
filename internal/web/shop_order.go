package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/order"
)

// cancelReasons are the reasons a buyer may give for cancelling: chosen,
// not typed, so the order's history holds no free text from the form.
var cancelReasons = []string{"Changed my mind", "Ordered by mistake", "Found it cheaper elsewhere", "Delivery takes too long", "Other reason"}

// orderData is an order's page.
type orderData struct {
	chrome
	orderRow
	History   []eventRow
	Placed    bool
	CanCancel bool
	Reasons   []string
	Country   string
	Method    string
	Siblings  []orderRow // the other orders of the checkout just placed
}

// eventRow is a status change of the order.
type eventRow struct{ order.Event }

// ToLabel is the status reached, in words.
func (e eventRow) ToLabel() string { return statusLabel(e.To) }

func (p *Pages) orderPage(w http.ResponseWriter, r *http.Request) {
	sh, ok := p.buyer(w, r)
	if !ok {
		return
	}
	o, ok := p.buyerOrder(w, r, sh, authz.OrderRead)
	if !ok {
		return
	}
	notice := ""
	if r.URL.Query().Get("m") == "cancelled" {
		notice = "Your order is cancelled."
	}
	p.renderOrder(w, r, sh, o, http.StatusOK, "", notice, r.URL.Query().Get("placed") == "1")
}

func (p *Pages) renderOrder(w http.ResponseWriter, r *http.Request, sh shopper, o order.Order, status int, msg, notice string, placed bool) {
	d := &orderData{orderRow: orderRow{Order: o}, Placed: placed, Method: methodLabels[o.ShippingMethod], Country: o.Country,
		CanCancel: order.CanTransition(o.Status, order.Cancelled, order.ByBuyer), Reasons: cancelReasons}
	for _, c := range countries {
		if c.code == o.Country {
			d.Country = c.name
		}
	}
	for _, e := range o.Events {
		d.History = append(d.History, eventRow{e})
	}
	rows := []orderRow{d.orderRow}
	if placed {
		l, err := p.orders.BuyerOrders(r.Context(), sh.owner, order.Page{Limit: 100})
		if err != nil {
			p.serverError(w, r, err)
			return
		}
		for _, x := range l.Orders {
			if x.CheckoutID == o.CheckoutID && x.ID != o.ID {
				rows = append(rows, orderRow{Order: x})
			}
		}
	}
	if err := p.merchantNames(r, rows); err != nil {
		p.serverError(w, r, err)
		return
	}
	d.orderRow, d.Siblings = rows[0], rows[1:]
	pg, c := p.shopPage(w, r, sh, "Order "+o.ID)
	pg.Error, pg.Notice = msg, notice
	d.chrome = c
	pg.Data = d
	p.render(w, status, "shop_order.html", pg)
}

func (p *Pages) orderCancel(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	sh, ok := p.buyer(w, r)
	if !ok {
		return
	}
	o, ok := p.buyerOrder(w, r, sh, authz.OrderCancel)
	if !ok {
		return
	}
	reason := r.PostFormValue("reason")
	if !slices.Contains(cancelReasons, reason) {
		p.renderOrder(w, r, sh, o, http.StatusUnprocessableEntity, "Choose a reason for cancelling.", "", false)
		return
	}
	_, err := p.orders.Cancel(r.Context(), o.ID, order.Actor{ID: sh.owner, Kind: order.ByBuyer}, reason)
	var ve *order.ValidationError
	switch {
	case err == nil:
		http.Redirect(w, r, "/orders/"+o.ID+"?m=cancelled", http.StatusSeeOther)
	case errors.Is(err, order.ErrIllegalTransition):
		p.renderOrder(w, r, sh, o, http.StatusConflict, "This order can no longer be cancelled.", "", false)
	case errors.Is(err, order.ErrNotFound):
		p.notFound(w, r)
	case errors.As(err, &ve):
		p.renderOrder(w, r, sh, o, http.StatusUnprocessableEntity, capitalise(ve.Msg)+".", "", false)
	default:
		p.serverError(w, r, err)
	}
}
