package web_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/web"
)

// Every route of the HTML surface, for every role, gets the decision the
// permission table gives; a route without a declared permission fails.
func TestRouteRoleMatrix(t *testing.T) {
	p := web.New(nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	now := time.Now()
	roles := append(authz.Roles(), authz.Guest)
	seen := map[string]bool{}
	for _, rt := range p.Table() {
		if seen[rt.Pattern] {
			t.Errorf("route %q declared twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
		if rt.Public {
			if rt.Action != "" {
				t.Errorf("public route %q also names an action", rt.Pattern)
			}
			continue
		}
		if !rt.Action.Valid() {
			t.Errorf("route %q has no declared permission (deny by default)", rt.Pattern)
			continue
		}
		for _, role := range roles {
			actor := authz.Actor{AccountID: "acc_self", Roles: []authz.Role{role}, MFAAt: now, OrgID: "org_self", MerchantID: "mer_self"}
			if role == authz.Guest {
				actor = authz.Actor{Anonymous: true, AccountID: "guest_1"}
			}
			own := web.RouteObject(actor)
			want := false
			for _, g := range authz.Table() {
				holds := g.Role == role || (role != authz.Guest && g.Role == authz.AccountHolder)
				if g.Action == rt.Action && holds {
					want = true // the actor's own account, org and merchant are in every scope
				}
			}
			if got := authz.Decide(actor, rt.Action, own, now).Allowed(); got != want {
				t.Errorf("%s as %s: allowed=%v, table says %v", rt.Pattern, role, got, want)
			}
			// Nobody reaches another account's self-service object.
			other := authz.Object{Kind: "account", ID: "acc_other", OwnerID: "acc_other"}
			if authz.Decide(actor, rt.Action, other, now).Allowed() && !hasAny(role, rt.Action) {
				t.Errorf("%s as %s: allowed on another account", rt.Pattern, role)
			}
		}
	}
}

func hasAny(role authz.Role, a authz.Action) bool {
	s, ok := authz.Allowed(role, a)
	return ok && s == authz.ScopeAny
}
