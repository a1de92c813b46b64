package api

import (
	"net/http"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/order"
)

// orderRoutes are the buyer's checkout and orders.
func (a *API) orderRoutes() []Route {
	return []Route{
		{Pattern: "POST /api/v1/checkout", Action: authz.OrderCreate, Idempotent: true, handler: a.checkout},
		{Pattern: "GET /api/v1/orders", Action: authz.OrderRead, handler: a.buyerOrders},
		{Pattern: "GET /api/v1/orders/{id}", Action: authz.OrderRead, handler: a.buyerOrder},
		{Pattern: "POST /api/v1/orders/{id}/cancel", Action: authz.OrderCancel, handler: a.buyerCancel},
	}
}

// orderObject is an order as authz sees it, from the row itself.
func orderObject(o order.Order) authz.Object {
	return authz.Object{Kind: "order", ID: o.ID, OwnerID: o.BuyerID, OrgID: o.OrgID, MerchantID: o.MerchantID}
}

// checkout turns the account's cart into one order per merchant (201).
// With an Idempotency-Key a retry answers the same orders and creates
// nothing (see idempotent).
func (a *API) checkout(w http.ResponseWriter, r *http.Request, c *Call) {
	body, e := readBody(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	req, e := parseCheckout(body)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	// The orders about to exist are the buyer's own.
	if !a.decide(w, r, c, authz.OrderCreate, authz.Object{Kind: "order", OwnerID: c.Actor.AccountID}, "cart") {
		return
	}
	orders, err := a.orders.Checkout(r.Context(), order.CheckoutRequest{
		BuyerID: c.Actor.AccountID, CartOwner: c.Actor.AccountID,
		Address: req.address, Country: req.country, ShippingMethod: req.method,
	})
	if err != nil {
		a.fail(w, r, err, "cart")
		return
	}
	out := struct {
		CheckoutID string      `json:"checkout_id"`
		Orders     []orderJSON `json:"orders"`
	}{Orders: make([]orderJSON, len(orders))}
	for i, o := range orders {
		out.CheckoutID = o.CheckoutID
		out.Orders[i] = orderOut(o, false)
	}
	writeJSON(w, http.StatusCreated, out)
}

// page reads the cursor pagination parameters of order lists.
func page(q *query) order.Page {
	return order.Page{Limit: q.integer("limit", 20, 1, 100), Cursor: q.str("cursor", 64)}
}

func (a *API) buyerOrders(w http.ResponseWriter, r *http.Request, c *Call) {
	q := newQuery(r)
	p := page(q)
	if q.err != nil {
		writeAPIError(w, q.err)
		return
	}
	// Tenancy is the query itself: only orders whose buyer is the caller.
	l, err := a.orders.BuyerOrders(r.Context(), c.Actor.AccountID, p)
	if err != nil {
		a.fail(w, r, err, "orders")
		return
	}
	writeJSON(w, http.StatusOK, orderListOut(l, false))
}

// loadBuyerOrder reads the caller's order and decides act on it; another
// buyer's order is 404 either way.
func (a *API) loadBuyerOrder(w http.ResponseWriter, r *http.Request, c *Call, act authz.Action) (order.Order, bool) {
	id, ok := pathID(w, r, "id", "ord", "order")
	if !ok {
		return order.Order{}, false
	}
	o, err := a.orders.BuyerOrder(r.Context(), c.Actor.AccountID, id)
	if err != nil {
		a.fail(w, r, err, "order")
		return order.Order{}, false
	}
	return o, a.decide(w, r, c, act, orderObject(o), "order")
}

func (a *API) buyerOrder(w http.ResponseWriter, r *http.Request, c *Call) {
	o, ok := a.loadBuyerOrder(w, r, c, authz.OrderRead)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, orderOut(o, false))
}

// buyerCancel cancels an order not yet paid (409 illegal_transition
// after that: the merchant or support cancels then).
func (a *API) buyerCancel(w http.ResponseWriter, r *http.Request, c *Call) {
	var req reasonRequest
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	reason, e := req.validate()
	if e != nil {
		writeAPIError(w, e)
		return
	}
	o, ok := a.loadBuyerOrder(w, r, c, authz.OrderCancel)
	if !ok {
		return
	}
	o, err := a.orders.Cancel(r.Context(), o.ID, order.Actor{ID: c.Actor.AccountID, Kind: order.ByBuyer}, reason)
	if err != nil {
		a.fail(w, r, err, "order")
		return
	}
	writeJSON(w, http.StatusOK, orderOut(o, false))
}
