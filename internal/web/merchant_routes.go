package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/order"
)

// merchantRoutes are the merchant back office's pages. Each names a
// merchant-scoped action: the route-level check decides it on the actor's
// own merchant, and the handlers load every object with that merchant in
// the query, so another merchant's product, variant, image, warehouse or
// order is a 404 exactly like one that does not exist.
//
// Reading a product in the back office is its editor, so the product
// pages need ProductUpdate; stock pages need StockAdjust. Archiving a
// variant takes it off sale like archiving a product, so it needs
// ProductArchive, which merchant staff do not hold.
//
// The back office's identifiers start with bo: the package is shared with
// the shop's pages.
func (p *Pages) merchantRoutes() []Route {
	m := func(pattern string, a authz.Action, h boHandler) Route {
		return Route{Pattern: pattern, Action: a, handler: p.boGate(a, h)}
	}
	const prod, variant = "/merchant/products/{id}", "/merchant/products/{id}/variants/{variant}"
	return []Route{
		m("GET /merchant", authz.MerchantOrderRead, p.boDashboard),

		m("GET /merchant/products", authz.ProductUpdate, p.boProducts),
		m("GET /merchant/products/new", authz.ProductCreate, p.boProductNew),
		m("POST /merchant/products", authz.ProductCreate, p.boProductCreate),
		m("GET "+prod, authz.ProductUpdate, p.boProduct),
		m("POST "+prod, authz.ProductUpdate, p.boProductUpdate),
		m("POST "+prod+"/archive", authz.ProductArchive, p.boProductStatus(true)),
		m("POST "+prod+"/restore", authz.ProductArchive, p.boProductStatus(false)),

		m("POST "+prod+"/variants", authz.ProductUpdate, p.boVariantAdd),
		m("GET "+variant, authz.ProductUpdate, p.boVariant),
		m("POST "+variant, authz.ProductUpdate, p.boVariantUpdate),
		m("POST "+variant+"/archive", authz.ProductArchive, p.boVariantArchive),

		m("POST "+prod+"/images", authz.ProductUpdate, p.boImageUpload),
		m("GET "+prod+"/images/{image}", authz.ProductUpdate, p.boImage),
		m("POST "+prod+"/images/{image}/remove", authz.ProductUpdate, p.boImageRemove),

		m("GET /merchant/warehouses", authz.StockAdjust, p.boWarehouses),
		m("POST /merchant/warehouses", authz.StockAdjust, p.boWarehouseCreate),
		m("GET "+prod+"/stock", authz.StockAdjust, p.boStock),
		m("POST "+variant+"/stock/{warehouse}", authz.StockAdjust, p.boStockSet),

		m("GET /merchant/orders", authz.MerchantOrderRead, p.boOrders),
		m("GET /merchant/orders/{id}", authz.MerchantOrderRead, p.boOrder),
		m("POST /merchant/orders/{id}/accept", authz.MerchantOrderAccept, p.boOrderAccept),
		m("POST /merchant/orders/{id}/ship", authz.MerchantOrderShip, p.boOrderShip),
		m("POST /merchant/orders/{id}/cancel", authz.MerchantOrderCancel, p.boOrderCancel),
	}
}

// boCtx is who a back-office request acts for, and the route's action.
type boCtx struct {
	actor      authz.Actor
	merchantID string
	action     authz.Action
}

type boHandler func(http.ResponseWriter, *http.Request, boCtx)

// can reports whether the actor may do a on its own merchant's objects;
// pages use it to offer only the buttons that will work.
func (mc boCtx) can(a authz.Action) bool {
	return authz.Decide(mc.actor, a, RouteObject(mc.actor), time.Now()).Allowed()
}

// allows decides the route's action again on an object loaded from the
// database, with its merchant as stored: the query already named the
// actor's merchant, so this fails only if a service forgot to.
func (mc boCtx) allows(kind, id, merchantID string) bool {
	obj := authz.Object{Kind: kind, ID: id, MerchantID: merchantID}
	return authz.Decide(mc.actor, mc.action, obj, time.Now()).Allowed()
}

// orderActor is the actor the order service checks transitions against.
func (mc boCtx) orderActor() order.Actor {
	return order.Actor{ID: mc.actor.AccountID, Kind: order.ByMerchant, MerchantID: mc.merchantID}
}

// boGate runs h for an account that works for a merchant. A role may
// reach a route's action without a merchant (an auditor reads any
// merchant's orders, but not through a merchant's own back office).
func (p *Pages) boGate(action authz.Action, h boHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := p.requireSession(w, r)
		if s == nil {
			return
		}
		a := s.Actor()
		if a.MerchantID == "" {
			p.render(w, http.StatusForbidden, "error.html", &page{Title: "Not allowed",
				Error: "This account does not work for a merchant."})
			return
		}
		h(w, r, boCtx{actor: a, merchantID: a.MerchantID, action: action})
	}
}

// boNotFound covers every service's "no such object, or not yours".
func boNotFound(err error) bool {
	return errors.Is(err, catalog.ErrNotFound) || errors.Is(err, inventory.ErrNotFound) || errors.Is(err, order.ErrNotFound)
}

// boFormError turns an error the person can fix into a status and a message
// safe to show; ok is false for every other error (a 404 or a fault).
func boFormError(err error) (status int, msg string, ok bool) {
	var inv *inventory.ValidationError
	var ord *order.ValidationError
	if ie, is := catalog.IsInvalid(err); is {
		status = http.StatusUnprocessableEntity
		if errors.Is(err, catalog.ErrConflict) {
			status = http.StatusConflict
		}
		return status, boFieldLabel(ie.Field) + ": " + ie.Msg, true
	}
	switch {
	case errors.As(err, &inv):
		return http.StatusUnprocessableEntity, boFieldLabel(inv.Field) + ": " + inv.Msg, true
	case errors.As(err, &ord):
		return http.StatusUnprocessableEntity, boFieldLabel(ord.Field) + ": " + ord.Msg, true
	case errors.Is(err, inventory.ErrBelowReserved):
		return http.StatusConflict, "Stock on hand cannot go below what is reserved for orders.", true
	case errors.Is(err, order.ErrIllegalTransition):
		return http.StatusConflict, "This order cannot make that change now.", true
	}
	return 0, "", false
}

// boFieldLabels name the services' form fields as the pages label them.
var boFieldLabels = map[string]string{
	"title": "Title", "description": "Description", "currency": "Currency", "category": "Category",
	"variants": "Variants", "variant": "Variant", "sku": "SKU", "price": "Price", "options": "Options",
	"image": "Image", "on_hand": "On hand", "name": "Name", "country": "Country", "note": "Reason",
	"carrier": "Carrier", "tracking": "Tracking number", "status": "Status", "cursor": "Page",
}

// boFieldLabel turns "variants[0].price" into "Price".
func boFieldLabel(field string) string {
	last := field[strings.LastIndex(field, ".")+1:]
	if i := strings.IndexByte(last, '['); i >= 0 {
		last = last[:i]
	}
	if l, ok := boFieldLabels[last]; ok {
		return l
	}
	return "This field"
}
