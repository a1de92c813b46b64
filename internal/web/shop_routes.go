package web

import "github.com/citadel-store/citadel/internal/authz"

// shopRoutes are the shopper's pages: catalog, search, cart, checkout
// and order history. Browsing and the cart are public (a guest's cart is
// owned by the guest ID in its cookie, and the cart handlers decide
// authz.CartWrite themselves); checkout and orders need a session and
// name their action, and the order handlers decide again on the order.
func (p *Pages) shopRoutes() []Route {
	return []Route{
		{Pattern: "GET /favicon.ico", Public: true, handler: p.favicon},
		{Pattern: "GET /images/{id}", Public: true, handler: p.productImage},
		{Pattern: "GET /c/{slug}", Public: true, handler: p.categoryPage},
		{Pattern: "GET /m/{slug}", Public: true, handler: p.merchantPage},
		{Pattern: "GET /p/{id}", Public: true, handler: p.productPage},
		{Pattern: "GET /search", Public: true, handler: p.searchPage},

		{Pattern: "GET /cart", Public: true, handler: p.cartPage},
		{Pattern: "POST /cart/add", Public: true, handler: p.cartAdd},
		{Pattern: "POST /cart/update", Public: true, handler: p.cartUpdate},
		{Pattern: "POST /cart/remove", Public: true, handler: p.cartRemove},
		{Pattern: "POST /cart/accept", Public: true, handler: p.cartAccept},

		{Pattern: "GET /checkout", Action: authz.OrderCreate, handler: p.checkoutPage},
		{Pattern: "POST /checkout", Action: authz.OrderCreate, handler: p.checkoutSubmit},
		{Pattern: "GET /orders", Action: authz.OrderRead, handler: p.ordersPage},
		{Pattern: "GET /orders/{id}", Action: authz.OrderRead, handler: p.orderPage},
		{Pattern: "POST /orders/{id}/cancel", Action: authz.OrderCancel, handler: p.orderCancel},
	}
}
