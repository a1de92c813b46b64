// Package authz decides whether an actor may do an action to an object: the
// one decision every handler asks for before it reads or writes anything.
//
// Permissions live in a single table of grants (role, action, scope,
// step-up); Decide, the route tests and the generated documentation all read
// it. Everything not granted is denied: unknown actions, unassignable roles,
// objects outside the grant's tenancy, and empty IDs, which never match.
//
// The package knows nothing of HTTP or storage. Handlers load the object's
// owner, organization and merchant, call Decide, and map Decision.Err to a
// response as the sentinel errors describe.
package authz

import (
	"errors"
	"time"
)

// ErrForbidden means the actor may not do this. A handler answers 404 when
// the actor may not even see the object (so its existence does not leak),
// and 403 otherwise, e.g. for a route the actor's roles never reach.
var ErrForbidden = errors.New("authz: forbidden")

// ErrStepUpRequired means a grant allows the action but the actor's last
// factor verification is older than StepUpWindow. A handler sends the actor
// to step-up verification and then back to retry; it changes nothing first.
var ErrStepUpRequired = errors.New("authz: step-up verification required")

// Actor is who is asking, as the verified session describes them.
type Actor struct {
	// AccountID is the signed-in account. For an anonymous actor it is the
	// opaque guest ID the session holds (it owns the guest cart) or empty;
	// identity must draw guest IDs so they never equal an account ID.
	AccountID string
	Roles     []Role // assignable roles only; anything else is ignored
	OrgID     string // business organization, if any
	// MerchantID is the merchant the actor works for, if any.
	MerchantID string
	// MFAAt is when a factor was last verified in this session; zero if never.
	MFAAt     time.Time
	Anonymous bool // not signed in: holds Guest and nothing else
}

// Object is what the action touches, with the tenancy IDs loaded from the
// database, never from the request. For creation, pass the object about to
// exist: a new order is owned by the buyer, a new product by its merchant.
type Object struct {
	Kind       string // "order", "product", ...; for log reasons only
	ID         string
	OwnerID    string
	OrgID      string
	MerchantID string
}

// Decision is Decide's answer. Its zero value denies.
type Decision struct {
	allowed    bool
	needStepUp bool
	reason     string
}

// Allowed reports whether the action may go ahead.
func (d Decision) Allowed() bool { return d.allowed }

// NeedStepUp reports whether the action would be allowed after a fresh
// factor verification.
func (d Decision) NeedStepUp() bool { return d.needStepUp }

// Reason says why, for logs only: it names roles, actions, scopes and kinds,
// never IDs, but it is still never shown to clients.
func (d Decision) Reason() string {
	if d.reason == "" {
		return "deny: no decision"
	}
	return d.reason
}

// Err is nil when allowed, ErrStepUpRequired when a step-up would allow it,
// and ErrForbidden otherwise.
func (d Decision) Err() error {
	switch {
	case d.allowed:
		return nil
	case d.needStepUp:
		return ErrStepUpRequired
	}
	return ErrForbidden
}

func deny(reason string) Decision { return Decision{reason: "deny: " + reason} }

// Decide reports whether a may do act to obj at time now. It denies by
// default; it allows only through a grant of one of the actor's roles whose
// scope reaches obj, and for a StepUp grant only if a.MFAAt is within
// StepUpWindow before now. A grant without step-up wins over one with it.
func Decide(a Actor, act Action, obj Object, now time.Time) Decision {
	info, ok := lookupAction(act)
	switch {
	case !ok:
		return deny("unknown action")
	case info.reserved:
		return deny("reserved action " + string(act))
	case !a.Anonymous && a.AccountID == "":
		return deny("signed-in actor without an account")
	}
	held := effectiveRoles(a)
	var stepUpGrant *Grant
	outOfScope := false
	for i := range table {
		g := &table[i]
		if g.Action != act || !holds(held, g.Role) {
			continue
		}
		if !g.Scope.matches(a, obj) {
			outOfScope = true
			continue
		}
		if !g.StepUp {
			return allow(g, obj)
		}
		stepUpGrant = g
	}
	switch {
	case stepUpGrant != nil && fresh(a.MFAAt, now):
		return allow(stepUpGrant, obj)
	case stepUpGrant != nil:
		return Decision{needStepUp: true, reason: "step-up: " + describe(stepUpGrant, obj) +
			" needs a factor verified within " + StepUpWindow.String()}
	case outOfScope:
		return deny(string(act) + " on " + kind(obj) + " outside every grant's scope")
	}
	return deny("no role held grants " + string(act))
}

func allow(g *Grant, obj Object) Decision {
	return Decision{allowed: true, reason: "allow: " + describe(g, obj)}
}

func describe(g *Grant, obj Object) string {
	return string(g.Role) + " " + string(g.Action) + " " + g.Scope.String() + " on " + kind(obj)
}

func kind(obj Object) string {
	if obj.Kind == "" {
		return "object"
	}
	return obj.Kind
}

// effectiveRoles is Guest alone for anonymous actors; otherwise
// AccountHolder plus the assignable roles the actor claims.
func effectiveRoles(a Actor) []Role {
	if a.Anonymous {
		return []Role{Guest}
	}
	held := make([]Role, 0, len(a.Roles)+1)
	held = append(held, AccountHolder)
	for _, r := range a.Roles {
		if r.Valid() {
			held = append(held, r)
		}
	}
	return held
}

func holds(held []Role, r Role) bool {
	for _, h := range held {
		if h == r {
			return true
		}
	}
	return false
}

// fresh reports whether a factor verified at mfaAt is recent enough at now.
// A time in the future is not trusted: the session store set it, so a clock
// that disagrees means something is wrong.
func fresh(mfaAt, now time.Time) bool {
	if mfaAt.IsZero() {
		return false
	}
	age := now.Sub(mfaAt)
	return age >= 0 && age <= StepUpWindow
}
