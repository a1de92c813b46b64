package web

import (
	"net/http"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/order"
)

const boOrdersPerPage = 20

func (p *Pages) boOrders(w http.ResponseWriter, r *http.Request, mc boCtx) {
	q := r.URL.Query()
	pg := p.newPage(w, r, "Orders")
	status, cursor := q.Get("status"), q.Get("after")
	data := map[string]any{"Status": status, "Statuses": order.Statuses}
	pg.Data = data
	if _, ok := order.ParseStatus(status); status != "" && !ok {
		pg.Error = "Status: choose one of the statuses listed."
		p.render(w, http.StatusBadRequest, "merchant_orders.html", pg)
		return
	}
	l, err := p.orders.MerchantOrders(r.Context(), mc.merchantID, order.Status(status), order.Page{Limit: boOrdersPerPage, Cursor: cursor})
	if code, msg, ok := boFormError(err); ok {
		pg.Error = msg
		p.render(w, min(code, http.StatusBadRequest), "merchant_orders.html", pg)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	data["List"], data["Paged"] = l, cursor != ""
	p.render(w, http.StatusOK, "merchant_orders.html", pg)
}

// boLoadOrder loads the merchant's own order named by the path, or answers
// 404: another merchant's order is not told apart from none.
func (p *Pages) boLoadOrder(w http.ResponseWriter, r *http.Request, mc boCtx) (order.Order, bool) {
	o, err := p.orders.MerchantOrder(r.Context(), mc.merchantID, r.PathValue("id"))
	switch {
	case boNotFound(err), err == nil && !mc.allows("order", o.ID, o.MerchantID):
		p.notFound(w, r)
		return o, false
	case err != nil:
		p.serverError(w, r, err)
		return o, false
	}
	return o, true
}

func (p *Pages) boOrder(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if o, ok := p.boLoadOrder(w, r, mc); ok {
		p.boRenderOrder(w, r, mc, o, http.StatusOK, "", nil)
	}
}

// boEventActor says who made a change in the merchant's words: the buyer
// stays "the buyer", the merchant's own people are named by account.
func boEventActor(e order.Event, self string) string {
	switch {
	case e.ActorKind == order.ByMerchant && e.Actor == self:
		return "you"
	case e.ActorKind == order.ByMerchant:
		return "your team (" + e.Actor + ")"
	case e.ActorKind == order.ByBuyer:
		return "the buyer"
	case e.ActorKind == order.BySupport:
		return "Citadel support"
	}
	return "automatic"
}

type boOrderEvent struct {
	order.Event
	Who string
}

func (p *Pages) boRenderOrder(w http.ResponseWriter, r *http.Request, mc boCtx, o order.Order, status int, msg string, form map[string]string) {
	whs, err := p.inventory.Warehouses(r.Context(), mc.merchantID)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, wh := range whs {
		names[wh.ID] = wh.Name
	}
	events := make([]boOrderEvent, len(o.Events))
	for i, e := range o.Events {
		events[i] = boOrderEvent{e, boEventActor(e, mc.actor.AccountID)}
	}
	pg := p.newPage(w, r, "Order "+o.ID)
	pg.Error = msg
	if form != nil {
		pg.Form = form
	}
	// Offer only the changes the status allows and the actor may make; a
	// stale page that posts anyway gets a 409 or a 403.
	pg.Data = map[string]any{"Order": o, "Events": events, "Warehouses": names,
		"CanAccept": order.CanTransition(o.Status, order.Accepted, order.ByMerchant) && mc.can(authz.MerchantOrderAccept),
		"CanShip":   order.CanTransition(o.Status, order.Shipped, order.ByMerchant) && mc.can(authz.MerchantOrderShip),
		"CanCancel": order.CanTransition(o.Status, order.Cancelled, order.ByMerchant) && mc.can(authz.MerchantOrderCancel)}
	p.render(w, status, "merchant_order.html", pg)
}

// boChangeOrder runs one status change on the merchant's own order: a 404
// for anyone else's, the page again with a 409 for a change the status
// does not allow, or with a 422 and the entered values for bad input.
func (p *Pages) boChangeOrder(w http.ResponseWriter, r *http.Request, mc boCtx, form map[string]string,
	change func(id string, a order.Actor) (order.Order, error)) {
	o, ok := p.boLoadOrder(w, r, mc)
	if !ok {
		return
	}
	_, err := change(o.ID, mc.orderActor())
	if err == nil {
		http.Redirect(w, r, "/merchant/orders/"+o.ID, http.StatusSeeOther)
		return
	}
	status, msg, ok := boFormError(err)
	switch {
	case ok && status == http.StatusConflict:
		msg = "This order is " + string(o.Status) + ": it cannot make that change now. Nothing was changed."
	case ok:
	case boNotFound(err):
		p.notFound(w, r)
		return
	default:
		p.serverError(w, r, err)
		return
	}
	p.boRenderOrder(w, r, mc, o, status, msg, form)
}

func (p *Pages) boOrderAccept(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	p.boChangeOrder(w, r, mc, nil, func(id string, a order.Actor) (order.Order, error) {
		return p.orders.Transition(r.Context(), id, a, order.Change{To: order.Accepted})
	})
}

func (p *Pages) boOrderShip(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	f := boPosted(r, "carrier", "tracking")
	p.boChangeOrder(w, r, mc, f, func(id string, a order.Actor) (order.Order, error) {
		return p.orders.Ship(r.Context(), id, a, f["carrier"], f["tracking"])
	})
}

func (p *Pages) boOrderCancel(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	f := boPosted(r, "reason")
	p.boChangeOrder(w, r, mc, f, func(id string, a order.Actor) (order.Order, error) {
		return p.boCancelOrRefund(r.Context(), id, a, f["reason"])
	})
}
