package api

import (
	"net/http"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/httpx"
)

// decide decides act on the object the handler loaded, with its tenancy
// read from the database. A refusal is answered 404 like a missing
// object: whoever may not act on it need not learn that it exists. (The
// route-level check in authorize already answered 403 to actors whose
// roles never reach the action.)
func (a *API) decide(w http.ResponseWriter, r *http.Request, c *Call, act authz.Action, obj authz.Object, what string) bool {
	d := authz.Decide(c.Actor, act, obj, a.now())
	if d.Allowed() {
		return true
	}
	a.log.Warn("api object authz denied", "reason", d.Reason(), "kind", obj.Kind,
		"request_id", httpx.RequestIDFrom(r.Context()))
	writeAPIError(w, notFound(what))
	return false
}

// ownCart is the buyer's cart as authz sees it: owned by the account.
func ownCart(c *Call) authz.Object {
	return authz.Object{Kind: "cart", ID: c.Actor.AccountID, OwnerID: c.Actor.AccountID}
}
