package authz

import (
	"errors"
	"fmt"
	"time"
)

// Role is a named bundle of grants. Only the roles listed in Roles may be
// stored on an account; Guest and AccountHolder are pseudo-roles that
// Decide gives implicitly and that can never be assigned.
type Role string

// The assignable roles.
const (
	Customer        Role = "customer"
	BusinessBuyer   Role = "business_buyer"
	BusinessAdmin   Role = "business_admin"
	MerchantOwner   Role = "merchant_owner"
	MerchantStaff   Role = "merchant_staff"
	Support         Role = "support"
	RiskAnalyst     Role = "risk_analyst"
	SecurityOfficer Role = "security_officer"
	Auditor         Role = "auditor"
	PlatformAdmin   Role = "platform_admin"
)

// The pseudo-roles. Guest is the only role an anonymous actor holds.
// AccountHolder is held by every signed-in actor, whatever its other roles,
// and carries only self-service grants at ScopeOwn: an auditor must still be
// able to change its own password without the auditor role holding a write.
const (
	Guest         Role = "guest"
	AccountHolder Role = "account_holder"
)

// roles is in the order documentation lists them: tenants first, then staff.
var roles = [...]Role{
	Customer, BusinessBuyer, BusinessAdmin, MerchantOwner, MerchantStaff,
	Support, RiskAnalyst, SecurityOfficer, Auditor, PlatformAdmin,
}

// ErrUnknownRole is returned by ParseRole for anything but an assignable
// role's exact name. Callers answer 400 (or refuse the config) and never
// fall back to a default role.
var ErrUnknownRole = errors.New("authz: unknown role")

// Roles returns the assignable roles, in documentation order.
func Roles() []Role {
	out := make([]Role, len(roles))
	copy(out, roles[:])
	return out
}

// Valid reports whether r is an assignable role. Pseudo-roles are not valid:
// an account record that names one is corrupt, and Decide ignores it.
func (r Role) Valid() bool {
	for _, v := range roles {
		if r == v {
			return true
		}
	}
	return false
}

// ParseRole accepts exactly the name of an assignable role: no trimming, no
// case folding, so "Platform_Admin " cannot slip past a check that compares
// strings elsewhere.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r, nil
	}
	// The input is outside data headed for a log: quote it and cut it short.
	return "", fmt.Errorf("%w: %.32q", ErrUnknownRole, s)
}

// StaffRole reports whether r acts on other people's data or money, so that
// identity requires a second factor for every account holding it.
func StaffRole(r Role) bool {
	switch r {
	case Support, RiskAnalyst, SecurityOfficer, Auditor, PlatformAdmin,
		MerchantOwner, MerchantStaff, BusinessAdmin:
		return true
	}
	return false
}

// Idle timeouts: a session that can touch other people's data expires sooner.
const (
	staffIdleTimeout   = 15 * time.Minute
	defaultIdleTimeout = 30 * time.Minute
)

// IdleTimeout is how long a session holding roles may sit unused: 15 minutes
// if any role is a StaffRole, else 30 minutes.
func IdleTimeout(roles []Role) time.Duration {
	for _, r := range roles {
		if StaffRole(r) {
			return staffIdleTimeout
		}
	}
	return defaultIdleTimeout
}
