package api

import (
	"net/http"
	"strconv"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/cart"
)

// cartRoutes edit the token's account's cart. Reading it needs the same
// scope as changing it: there is no separate cart.read.
func (a *API) cartRoutes() []Route {
	return []Route{
		{Pattern: "GET /api/v1/cart", Action: authz.CartWrite, handler: a.cartGet},
		{Pattern: "POST /api/v1/cart/items", Action: authz.CartWrite, Idempotent: true, handler: a.cartAdd},
		{Pattern: "PATCH /api/v1/cart/items/{variant_id}", Action: authz.CartWrite, handler: a.cartSet},
		{Pattern: "DELETE /api/v1/cart/items/{variant_id}", Action: authz.CartWrite, handler: a.cartRemove},
		{Pattern: "POST /api/v1/cart/accept-prices", Action: authz.CartWrite, handler: a.cartAcceptPrices},
	}
}

func (a *API) cartGet(w http.ResponseWriter, r *http.Request, c *Call) {
	if !a.decide(w, r, c, authz.CartWrite, ownCart(c), "cart") {
		return
	}
	a.writeCart(w, r, c, http.StatusOK)
}

func (a *API) writeCart(w http.ResponseWriter, r *http.Request, c *Call, status int) {
	v, err := a.carts.Get(r.Context(), c.Actor.AccountID)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	writeJSON(w, status, cartOut(v))
}

func line(v cart.View, variantID string) (cart.Line, bool) {
	for _, l := range v.Lines {
		if l.VariantID == variantID {
			return l, true
		}
	}
	return cart.Line{}, false
}

func outOfStock(available int) *apiError {
	e := fieldError(http.StatusConflict, "out_of_stock", "quantity", "more than the units available")
	if available >= 0 {
		e.message = "quantity: more than the units available (" + strconv.Itoa(available) + ")"
	}
	return e
}

// cartAdd puts units of a variant in the cart, refusing more than the
// stock available with 409 out_of_stock and the cart unchanged.
func (a *API) cartAdd(w http.ResponseWriter, r *http.Request, c *Call) {
	body, e := readBody(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	item, e := parseCartItem(body)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	if !a.decide(w, r, c, authz.CartWrite, ownCart(c), "cart") {
		return
	}
	ctx, owner := r.Context(), c.Actor.AccountID
	before, err := a.carts.Get(ctx, owner)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	had, present := line(before, item.variantID)
	// A line no longer for sale is left to Add, which refuses it as such.
	if present && had.Buyable && min(had.Quantity+item.quantity, cart.MaxQuantity) > had.Available {
		writeAPIError(w, outOfStock(had.Available))
		return
	}
	if err := a.carts.Add(ctx, owner, item.variantID, item.quantity); err != nil {
		a.fail(w, r, err, "variant")
		return
	}
	if !present {
		// The stock of a variant not yet in the cart is known only once
		// it is: take the new line out again when it asks too much.
		// TODO(cart): an Add that checks availability in its own
		// transaction would make this undo unnecessary.
		after, err := a.carts.Get(ctx, owner)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		if l, ok := line(after, item.variantID); ok && l.Quantity > l.Available {
			if err := a.carts.Remove(ctx, owner, item.variantID); err != nil {
				a.internal(w, r, err)
				return
			}
			writeAPIError(w, outOfStock(l.Available))
			return
		}
	}
	a.writeCart(w, r, c, http.StatusOK)
}

// cartSet sets a line's quantity (1 to 10,000; DELETE removes a line).
func (a *API) cartSet(w http.ResponseWriter, r *http.Request, c *Call) {
	id, ok := pathID(w, r, "variant_id", "var", "cart item")
	if !ok {
		return
	}
	var req quantityRequest
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	q, e := quantity("quantity", req.Quantity)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	if !a.decide(w, r, c, authz.CartWrite, ownCart(c), "cart") {
		return
	}
	v, err := a.carts.Get(r.Context(), c.Actor.AccountID)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	l, ok := line(v, id)
	if !ok {
		writeAPIError(w, notFound("cart item"))
		return
	}
	if q > l.Quantity && q > l.Available {
		writeAPIError(w, outOfStock(l.Available))
		return
	}
	if err := a.carts.SetQuantity(r.Context(), c.Actor.AccountID, id, q); err != nil {
		a.fail(w, r, err, "cart item")
		return
	}
	a.writeCart(w, r, c, http.StatusOK)
}

func (a *API) cartRemove(w http.ResponseWriter, r *http.Request, c *Call) {
	id, ok := pathID(w, r, "variant_id", "var", "cart item")
	if !ok || !a.decide(w, r, c, authz.CartWrite, ownCart(c), "cart") {
		return
	}
	if err := a.carts.Remove(r.Context(), c.Actor.AccountID, id); err != nil {
		a.fail(w, r, err, "cart item")
		return
	}
	a.writeCart(w, r, c, http.StatusOK)
}

func (a *API) cartAcceptPrices(w http.ResponseWriter, r *http.Request, c *Call) {
	if !a.decide(w, r, c, authz.CartWrite, ownCart(c), "cart") {
		return
	}
	if err := a.carts.AcceptPrices(r.Context(), c.Actor.AccountID); err != nil {
		a.fail(w, r, err, "cart")
		return
	}
	a.writeCart(w, r, c, http.StatusOK)
}
