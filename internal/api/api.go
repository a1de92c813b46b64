// Package api serves Citadel's JSON API under /api/v1. The catalog and
// search are public; everything else needs a personal access token
// (Authorization: Bearer), is limited to the token's scopes, and is then
// decided by authz on the object itself. Errors are
// {"error":{"code":"...","message":"..."}}; the OpenAPI 3.1 document at
// /api/v1/openapi.json lists exactly the routes of Table (a test holds
// the two together).
package api

import (
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/idempotency"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
)

//go:embed openapi.json
var openAPIDoc []byte

// API holds the JSON handlers' dependencies.
type API struct {
	id   *identity.Service
	idem *idempotency.Store
	log  *slog.Logger
	now  func() time.Time

	// The store: nil until WithCommerce.
	catalog   *catalog.Service
	inventory *inventory.Service
	carts     *cart.Service
	orders    *order.Service

	// Payments and escrow: nil until WithPayments.
	pay    *payment.Service
	escrow *escrow.Service
}

// WithCommerce adds the store's routes.
func (a *API) WithCommerce(cat *catalog.Service, inv *inventory.Service, carts *cart.Service, orders *order.Service) *API {
	a.catalog, a.inventory, a.carts, a.orders = cat, inv, carts, orders
	return a
}

// WithPayments adds paying for checkouts, reading payments, confirming
// delivery, disputes and merchant balances (pay.go).
func (a *API) WithPayments(pay *payment.Service, esc *escrow.Service) *API {
	a.pay, a.escrow = pay, esc
	return a
}

// New builds the API surface.
func New(id *identity.Service, idem *idempotency.Store, log *slog.Logger) *API {
	return &API{id: id, idem: idem, log: log, now: time.Now}
}

// Call is what a handler learns about the caller: the token's principal
// (nil on public routes) and the actor authz decides for.
type Call struct {
	P     *identity.APIPrincipal
	Actor authz.Actor
}

// Route is one entry of the API's route table. A public route needs no
// token (Action is then what any guest may do); an idempotent route
// honours the Idempotency-Key header.
type Route struct {
	Pattern    string
	Action     authz.Action
	Public     bool
	Idempotent bool
	handler    func(w http.ResponseWriter, r *http.Request, c *Call)
}

// Table lists the API routes: this file's, then one list per surface
// (public.go, cart.go, orders.go, merchant_*.go, pay.go).
func (a *API) Table() []Route {
	rts := []Route{
		{Pattern: "GET /api/v1/openapi.json", Action: authz.CatalogRead, Public: true, handler: a.openAPI},
		{Pattern: "GET /api/v1/me", Action: authz.AccountReadSelf, handler: a.me},
	}
	for _, surface := range [][]Route{a.catalogRoutes(), a.cartRoutes(), a.orderRoutes(),
		a.merchantProductRoutes(), a.merchantStockRoutes(), a.merchantOrderRoutes(), a.payRoutes()} {
		rts = append(rts, surface...)
	}
	return rts
}

// Routes registers the API, and a JSON 404 for anything else under it.
func (a *API) Routes(mux *http.ServeMux) {
	for _, rt := range a.Table() {
		mux.Handle(rt.Pattern, a.authorize(rt))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, "not_found", "no such API route")
	})
}

// authorize authenticates the caller, checks the token's scope and that
// the actor's roles reach the action at all (the handler decides again on
// the object it loads), then runs the handler, through the idempotency
// store when the route and the request ask for it.
func (a *API) authorize(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &Call{Actor: authz.Actor{Anonymous: true}}
		if !rt.Public || r.Header.Get("Authorization") != "" {
			p, ok := a.authenticate(w, r)
			if !ok {
				return
			}
			if !p.Can(rt.Action) {
				httpx.WriteError(w, http.StatusForbidden, "insufficient_scope", "the token lacks the scope "+string(rt.Action))
				return
			}
			c.P, c.Actor = p, p.Account.Actor(time.Time{})
		}
		if d := authz.Decide(c.Actor, rt.Action, selfObject(c.Actor), a.now()); !d.Allowed() {
			a.log.Warn("api authz denied", "reason", d.Reason(), "request_id", httpx.RequestIDFrom(r.Context()))
			httpx.WriteError(w, http.StatusForbidden, "forbidden", "not allowed")
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if !rt.Idempotent || key == "" || c.P == nil {
			rt.handler(w, r, c)
			return
		}
		a.idempotent(w, r, c, key, rt.handler)
	})
}

// selfObject is the object a route-level check decides on: the actor's
// own account, organization and merchant. It answers "can this actor's
// roles do this action at all"; handlers decide again on the real object.
func selfObject(a authz.Actor) authz.Object {
	return authz.Object{Kind: "route", ID: a.AccountID, OwnerID: a.AccountID, OrgID: a.OrgID, MerchantID: a.MerchantID}
}

func (a *API) authenticate(w http.ResponseWriter, r *http.Request) (*identity.APIPrincipal, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="citadel"`)
		httpx.WriteError(w, http.StatusUnauthorized, "unauthenticated", "send a personal access token as Authorization: Bearer")
		return nil, false
	}
	p, err := a.id.AuthenticateAPIToken(r.Context(), strings.TrimSpace(tok))
	if errors.Is(err, identity.ErrInvalidAPIToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="citadel", error="invalid_token"`)
		httpx.WriteError(w, http.StatusUnauthorized, "invalid_token", err.Error())
		return nil, false
	}
	if err != nil {
		a.internal(w, r, err)
		return nil, false
	}
	return p, true
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request, _ *Call) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDoc)
}

func (a *API) me(w http.ResponseWriter, r *http.Request, c *Call) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id": c.P.Account.ID, "email": c.P.Account.Email, "roles": c.P.Account.Roles, "token": c.P.TokenID, "scopes": c.P.Scopes,
	})
}
