package order

import "slices"

// Status is where an order is in its life.
type Status string

const (
	PendingPayment Status = "pending_payment"
	Paid           Status = "paid"
	Accepted       Status = "accepted"
	Shipped        Status = "shipped"
	Delivered      Status = "delivered"
	Completed      Status = "completed"
	Cancelled      Status = "cancelled"
	Disputed       Status = "disputed"
	Refunded       Status = "refunded"
)

// Statuses lists every status, in the order of the happy path first.
var Statuses = []Status{PendingPayment, Paid, Accepted, Shipped, Delivered, Completed, Cancelled, Disputed, Refunded}

// ParseStatus accepts exactly a known status name.
func ParseStatus(s string) (Status, bool) {
	st := Status(s)
	return st, slices.Contains(Statuses, st)
}

// ActorKind is the capacity in which someone changes an order.
type ActorKind string

const (
	ByBuyer    ActorKind = "buyer"    // the order's buyer
	ByMerchant ActorKind = "merchant" // staff of the order's merchant
	BySystem   ActorKind = "system"   // payment callbacks, expiry, carrier feeds
	BySupport  ActorKind = "support"  // platform staff handling a case
)

// Actor is who asks for a change, as authz established it.
type Actor struct {
	ID         string    // account ID; ignored for BySystem
	Kind       ActorKind // decides which transitions are allowed
	MerchantID string    // for ByMerchant: the merchant the actor works for
}

// System is the actor of automatic changes.
var System = Actor{ID: "system", Kind: BySystem}

// Rule allows a change from one status to another by some kinds of actor.
type Rule struct {
	From, To Status
	By       []ActorKind
}

// rules is the whole state machine: anything not listed is refused.
//
// Stock follows: the lines stay reserved until shipped (inventory.Ship)
// or until the order ends unshipped (cancelled, refunded, or completed
// from a dispute), when they are released.
var rules = []Rule{
	{PendingPayment, Paid, []ActorKind{BySystem}},
	{PendingPayment, Cancelled, []ActorKind{ByBuyer, ByMerchant, BySystem, BySupport}},
	{Paid, Accepted, []ActorKind{ByMerchant}},
	{Paid, Cancelled, []ActorKind{ByMerchant, BySupport}},
	{Accepted, Cancelled, []ActorKind{ByMerchant, BySupport}},
	{Accepted, Shipped, []ActorKind{ByMerchant}},
	{Shipped, Delivered, []ActorKind{ByMerchant, BySystem, BySupport}},
	{Delivered, Completed, []ActorKind{ByBuyer, BySystem, BySupport}},
	{Paid, Disputed, []ActorKind{ByBuyer, BySupport}},
	{Accepted, Disputed, []ActorKind{ByBuyer, BySupport}},
	{Shipped, Disputed, []ActorKind{ByBuyer, BySupport}},
	{Delivered, Disputed, []ActorKind{ByBuyer, BySupport}},
	{Disputed, Refunded, []ActorKind{ByMerchant, BySupport}},
	{Disputed, Completed, []ActorKind{BySupport}},
	{Paid, Refunded, []ActorKind{ByMerchant, BySupport}},
	{Accepted, Refunded, []ActorKind{ByMerchant, BySupport}},
	{Delivered, Refunded, []ActorKind{ByMerchant, BySupport}},
	{Completed, Refunded, []ActorKind{ByMerchant, BySupport}},
}

// Rules returns a copy of the state machine, for documentation and tests.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[i] = Rule{r.From, r.To, slices.Clone(r.By)}
	}
	return out
}

// CanTransition reports whether an actor of kind by may move an order
// from one status to another.
func CanTransition(from, to Status, by ActorKind) bool {
	for _, r := range rules {
		if r.From == from && r.To == to {
			return slices.Contains(r.By, by)
		}
	}
	return false
}

// releasesStock reports whether reaching to ends the order without
// shipping what is still reserved.
func releasesStock(to Status) bool {
	return to == Cancelled || to == Refunded || to == Completed
}
