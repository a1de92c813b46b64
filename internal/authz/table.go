package authz

import "time"

// Scope is how far a grant reaches. The zero Scope reaches nothing.
type Scope int

const (
	_             Scope = iota
	ScopeOwn            // the object's OwnerID is the actor's AccountID
	ScopeOrg            // the object's OrgID is the actor's OrgID
	ScopeMerchant       // the object's MerchantID is the actor's MerchantID
	ScopeAny            // any object, platform-wide
)

func (s Scope) String() string {
	switch s {
	case ScopeOwn:
		return "own"
	case ScopeOrg:
		return "org"
	case ScopeMerchant:
		return "merchant"
	case ScopeAny:
		return "any"
	}
	return "none"
}

// matches reports whether s lets a reach obj. An empty ID never matches, so
// an object with no owner is nobody's, not everybody's.
func (s Scope) matches(a Actor, obj Object) bool {
	switch s {
	case ScopeOwn:
		return obj.OwnerID != "" && obj.OwnerID == a.AccountID
	case ScopeOrg:
		return obj.OrgID != "" && obj.OrgID == a.OrgID
	case ScopeMerchant:
		return obj.MerchantID != "" && obj.MerchantID == a.MerchantID
	case ScopeAny:
		return true
	}
	return false
}

// StepUpWindow is how recently a factor must have been verified for a grant
// marked StepUp.
const StepUpWindow = 5 * time.Minute

// Grant lets Role do Action on objects within Scope; with StepUp, only within
// StepUpWindow of the actor's last factor verification.
type Grant struct {
	Role   Role
	Action Action
	Scope  Scope
	StepUp bool
}

// Shorthands that keep the table one grant per line.
const (
	own      = ScopeOwn
	org      = ScopeOrg
	merchant = ScopeMerchant
	anyScope = ScopeAny
	stepUp   = true
)

// table is the one permission table: Decide, Allowed, Markdown and the tests
// all read it, and nothing writes it. A role holds an action at most once.
// Role changes, payout details and credentials always need a step-up.
var table = [...]Grant{
	{Guest, CatalogRead, anyScope, false},
	{Guest, CartWrite, own, false}, // the guest cart, owned by the guest ID

	{AccountHolder, AccountReadSelf, own, false},
	{AccountHolder, AccountUpdateSelf, own, false},
	{AccountHolder, AccountCredentials, own, stepUp},
	{AccountHolder, AccountSessions, own, false},
	{AccountHolder, AccountTokens, own, stepUp},
	{AccountHolder, PrivacyExportSelf, own, stepUp},
	{AccountHolder, PrivacyEraseSelf, own, stepUp},

	{Customer, CatalogRead, anyScope, false},
	{Customer, CartWrite, own, false},
	{Customer, OrderCreate, own, false},
	{Customer, OrderRead, own, false},
	{Customer, OrderCancel, own, false},
	{Customer, RefundRequest, own, false},
	{Customer, DisputeOpen, own, false},
	{Customer, DisputeRead, own, false},
	{Customer, ReviewWrite, own, false},
	{Customer, SupportTicket, own, false},

	{BusinessBuyer, CatalogRead, anyScope, false},
	{BusinessBuyer, CartWrite, own, false},
	{BusinessBuyer, OrgRead, org, false},
	{BusinessBuyer, OrgPurchase, org, false},
	{BusinessBuyer, OrderRead, org, false},
	{BusinessBuyer, OrderCancel, org, false},
	{BusinessBuyer, DisputeOpen, org, false},
	{BusinessBuyer, SupportTicket, own, false},

	{BusinessAdmin, OrgRead, org, false},
	{BusinessAdmin, OrgMembersManage, org, stepUp},
	{BusinessAdmin, OrgContractSign, org, stepUp},
	{BusinessAdmin, OrderRead, org, false},
	{BusinessAdmin, SupportTicket, own, false},

	{MerchantOwner, CatalogRead, anyScope, false},
	{MerchantOwner, ProductCreate, merchant, false},
	{MerchantOwner, ProductUpdate, merchant, false},
	{MerchantOwner, ProductArchive, merchant, false},
	{MerchantOwner, StockAdjust, merchant, false},
	{MerchantOwner, MerchantOrderRead, merchant, false},
	{MerchantOwner, MerchantOrderAccept, merchant, false},
	{MerchantOwner, MerchantOrderShip, merchant, false},
	{MerchantOwner, MerchantOrderCancel, merchant, false},
	{MerchantOwner, MerchantProfileUpdate, merchant, false},
	{MerchantOwner, MerchantStaffManage, merchant, stepUp},
	{MerchantOwner, PayoutRead, merchant, false},
	{MerchantOwner, PayoutUpdate, merchant, stepUp},
	{MerchantOwner, RefundIssue, merchant, stepUp},
	{MerchantOwner, DisputeRead, merchant, false},
	{MerchantOwner, DisputeRespond, merchant, false},
	{MerchantOwner, SupportTicket, own, false},

	{MerchantStaff, CatalogRead, anyScope, false},
	{MerchantStaff, ProductCreate, merchant, false},
	{MerchantStaff, ProductUpdate, merchant, false},
	{MerchantStaff, StockAdjust, merchant, false},
	{MerchantStaff, MerchantOrderRead, merchant, false},
	{MerchantStaff, MerchantOrderAccept, merchant, false},
	{MerchantStaff, MerchantOrderShip, merchant, false},
	{MerchantStaff, DisputeRead, merchant, false},
	{MerchantStaff, SupportTicket, own, false},

	{Support, CatalogRead, anyScope, false},
	{Support, OrderRead, anyScope, false},
	{Support, DisputeRead, anyScope, false},
	{Support, DisputeResolve, anyScope, stepUp},
	{Support, SupportTicketHandle, anyScope, false},
	{Support, UserReadAny, anyScope, false},
	{Support, ReviewModerate, anyScope, false},

	{RiskAnalyst, RiskQueueRead, anyScope, false},
	{RiskAnalyst, RiskReview, anyScope, false},
	{RiskAnalyst, RiskRulesUpdate, anyScope, stepUp},
	{RiskAnalyst, OrderRead, anyScope, false},
	{RiskAnalyst, UserReadAny, anyScope, false},

	{SecurityOfficer, GuardRead, anyScope, false},
	{SecurityOfficer, GuardBlock, anyScope, false},
	{SecurityOfficer, GuardUnblock, anyScope, false},
	{SecurityOfficer, GuardRulesUpdate, anyScope, stepUp},
	{SecurityOfficer, SessionRevokeAny, anyScope, false},
	{SecurityOfficer, AccountLock, anyScope, false},
	{SecurityOfficer, IncidentManage, anyScope, false},
	{SecurityOfficer, AuditRead, anyScope, false},
	{SecurityOfficer, UserReadAny, anyScope, false},

	{Auditor, AuditRead, anyScope, false},
	{Auditor, OrderRead, anyScope, false},
	{Auditor, MerchantOrderRead, anyScope, false},
	{Auditor, PayoutRead, anyScope, false},
	{Auditor, DisputeRead, anyScope, false},
	{Auditor, RiskQueueRead, anyScope, false},
	{Auditor, GuardRead, anyScope, false},
	{Auditor, ConfigRead, anyScope, false},
	{Auditor, UserReadAny, anyScope, false},

	{PlatformAdmin, UserRoleGrant, anyScope, stepUp},
	{PlatformAdmin, UserReadAny, anyScope, false},
	{PlatformAdmin, ConfigRead, anyScope, false},
	{PlatformAdmin, ConfigUpdate, anyScope, stepUp},
	{PlatformAdmin, KeyRotate, anyScope, stepUp},
	{PlatformAdmin, BackupRun, anyScope, stepUp},
	{PlatformAdmin, BackupRestore, anyScope, stepUp},
	{PlatformAdmin, MerchantOnboard, anyScope, stepUp},
	{PlatformAdmin, CategoryManage, anyScope, false},
	{PlatformAdmin, CertIssue, anyScope, stepUp},
}

// Table returns a copy of the permission table, for documentation and for
// tests in other packages; changing the copy changes nothing.
func Table() []Grant {
	out := make([]Grant, len(table))
	copy(out, table[:])
	return out
}

// Allowed reports the scope at which role holds act, for other packages'
// route tests: "the admin route for X must need an action platform_admin
// holds". It says nothing about a particular object; handlers call Decide.
func Allowed(role Role, act Action) (Scope, bool) {
	for _, g := range table {
		if g.Role == role && g.Action == act {
			return g.Scope, true
		}
	}
	return 0, false
}
