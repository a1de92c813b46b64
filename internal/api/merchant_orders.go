package api

import (
	"net/http"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/order"
)

// merchantOrderRoutes are the merchant's side of orders: read with the
// merchant in the query, decided on by authz, changed through the order
// state machine as a merchant actor.
func (a *API) merchantOrderRoutes() []Route {
	return []Route{
		{Pattern: "GET /api/v1/merchant/orders", Action: authz.MerchantOrderRead, handler: a.merchantOrders},
		{Pattern: "GET /api/v1/merchant/orders/{id}", Action: authz.MerchantOrderRead, handler: a.merchantOrder},
		{Pattern: "POST /api/v1/merchant/orders/{id}/accept", Action: authz.MerchantOrderAccept, handler: a.merchantAccept},
		{Pattern: "POST /api/v1/merchant/orders/{id}/ship", Action: authz.MerchantOrderShip, handler: a.merchantShip},
		{Pattern: "POST /api/v1/merchant/orders/{id}/cancel", Action: authz.MerchantOrderCancel, handler: a.merchantCancel},
	}
}

var statuses = func() []string {
	out := make([]string, len(order.Statuses))
	for i, s := range order.Statuses {
		out[i] = string(s)
	}
	return out
}()

func (a *API) merchantOrders(w http.ResponseWriter, r *http.Request, c *Call) {
	q := newQuery(r)
	status := order.Status(q.oneOf("status", "", statuses...))
	p := page(q)
	if q.err != nil {
		writeAPIError(w, q.err)
		return
	}
	if !a.decide(w, r, c, authz.MerchantOrderRead, authz.Object{Kind: "order", MerchantID: c.Actor.MerchantID}, "merchant") {
		return
	}
	l, err := a.orders.MerchantOrders(r.Context(), c.Actor.MerchantID, status, p)
	if err != nil {
		a.fail(w, r, err, "orders")
		return
	}
	writeJSON(w, http.StatusOK, orderListOut(l, true))
}

// loadMerchantOrder reads the caller's merchant's order and decides act
// on it; another merchant's order is 404 either way.
func (a *API) loadMerchantOrder(w http.ResponseWriter, r *http.Request, c *Call, act authz.Action) (order.Order, bool) {
	id, ok := pathID(w, r, "id", "ord", "order")
	if !ok {
		return order.Order{}, false
	}
	o, err := a.orders.MerchantOrder(r.Context(), c.Actor.MerchantID, id)
	if err != nil {
		a.fail(w, r, err, "order")
		return order.Order{}, false
	}
	return o, a.decide(w, r, c, act, orderObject(o), "order")
}

func (a *API) merchantOrder(w http.ResponseWriter, r *http.Request, c *Call) {
	if o, ok := a.loadMerchantOrder(w, r, c, authz.MerchantOrderRead); ok {
		writeJSON(w, http.StatusOK, orderOut(o, true))
	}
}

func (c *Call) merchantActor() order.Actor {
	return order.Actor{ID: c.Actor.AccountID, Kind: order.ByMerchant, MerchantID: c.Actor.MerchantID}
}

// merchantAccept accepts a paid order (409 illegal_transition otherwise).
// It takes no body.
func (a *API) merchantAccept(w http.ResponseWriter, r *http.Request, c *Call) {
	o, ok := a.loadMerchantOrder(w, r, c, authz.MerchantOrderAccept)
	if !ok {
		return
	}
	o, err := a.orders.Transition(r.Context(), o.ID, c.merchantActor(), order.Change{To: order.Accepted})
	a.answerOrder(w, r, o, err)
}

func (a *API) merchantShip(w http.ResponseWriter, r *http.Request, c *Call) {
	var req shipRequest
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	if req.Carrier == nil {
		writeAPIError(w, missing("carrier"))
		return
	}
	if req.Tracking == nil {
		writeAPIError(w, missing("tracking"))
		return
	}
	o, ok := a.loadMerchantOrder(w, r, c, authz.MerchantOrderShip)
	if !ok {
		return
	}
	o, err := a.orders.Ship(r.Context(), o.ID, c.merchantActor(), *req.Carrier, *req.Tracking)
	a.answerOrder(w, r, o, err)
}

func (a *API) merchantCancel(w http.ResponseWriter, r *http.Request, c *Call) {
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
	o, ok := a.loadMerchantOrder(w, r, c, authz.MerchantOrderCancel)
	if !ok {
		return
	}
	// Through escrow when payments are on: an order whose money escrow
	// holds is refunded in full rather than cancelled.
	if a.escrow != nil {
		if err := a.escrow.CancelOrder(r.Context(), c.merchantActor(), o.ID, reason); err != nil {
			a.fail(w, r, err, "order")
			return
		}
		o, err := a.orders.MerchantOrder(r.Context(), c.merchantActor().MerchantID, o.ID)
		a.answerOrder(w, r, o, err)
		return
	}
	o, err := a.orders.Cancel(r.Context(), o.ID, c.merchantActor(), reason)
	a.answerOrder(w, r, o, err)
}

func (a *API) answerOrder(w http.ResponseWriter, r *http.Request, o order.Order, err error) {
	if err != nil {
		a.fail(w, r, err, "order")
		return
	}
	writeJSON(w, http.StatusOK, orderOut(o, true))
}
