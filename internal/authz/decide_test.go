package authz

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestDecide(t *testing.T) {
	alice := Actor{AccountID: "acct-alice", Roles: []Role{Customer}}
	bob := Actor{AccountID: "acct-bob", Roles: []Role{Customer}}
	staffA := Actor{AccountID: "acct-sa", Roles: []Role{MerchantStaff}, MerchantID: "m-a"}
	ownerA := Actor{AccountID: "acct-oa", Roles: []Role{MerchantOwner}, MerchantID: "m-a"}
	auditor := Actor{AccountID: "acct-aud", Roles: []Role{Auditor}}
	admin := Actor{AccountID: "acct-adm", Roles: []Role{PlatformAdmin}, MFAAt: now.Add(-time.Minute)}
	buyer := Actor{AccountID: "acct-buy", Roles: []Role{BusinessBuyer}, OrgID: "org-1"}
	orgAdmin := Actor{AccountID: "acct-oadm", Roles: []Role{BusinessAdmin}, OrgID: "org-1"}
	guest := Actor{AccountID: "guest-7", Anonymous: true}

	aliceOrder := Object{Kind: "order", ID: "o1", OwnerID: "acct-alice", MerchantID: "m-a"}
	bobOrder := Object{Kind: "order", ID: "o2", OwnerID: "acct-bob", MerchantID: "m-b"}
	orgOrder := Object{Kind: "order", ID: "o3", OwnerID: "acct-x", OrgID: "org-1"}
	mOrderA := Object{Kind: "merchant_order", ID: "mo1", MerchantID: "m-a"}
	mOrderB := Object{Kind: "merchant_order", ID: "mo2", MerchantID: "m-b"}
	merchantA := Object{Kind: "merchant", ID: "m-a", MerchantID: "m-a"}
	product := Object{Kind: "product", ID: "p1", MerchantID: "m-b"}

	with := func(a Actor, mfa time.Time) Actor { a.MFAAt = mfa; return a }

	tests := []struct {
		name       string
		actor      Actor
		act        Action
		obj        Object
		wantErr    error
		wantStepUp bool
	}{
		{"ok/customer-reads-own-order", alice, OrderRead, aliceOrder, nil, false},
		{"ok/customer-creates-own-order", alice, OrderCreate, Object{Kind: "order", OwnerID: "acct-alice"}, nil, false},
		{"ok/guest-browses-catalog", guest, CatalogRead, product, nil, false},
		{"ok/guest-writes-guest-cart", guest, CartWrite, Object{Kind: "cart", OwnerID: "guest-7"}, nil, false},
		{"ok/merchant-staff-ships-own-merchant-order", staffA, MerchantOrderShip, mOrderA, nil, false},
		{"ok/merchant-owner-updates-payout-after-step-up", with(ownerA, now.Add(-4*time.Minute)), PayoutUpdate, merchantA, nil, false},
		{"ok/business-buyer-reads-org-order", buyer, OrderRead, orgOrder, nil, false},
		{"ok/auditor-reads-any-order", auditor, OrderRead, bobOrder, nil, false},
		{"ok/platform-admin-grants-role-with-fresh-mfa", admin, UserRoleGrant, Object{Kind: "account", ID: "acct-x9", OwnerID: "acct-x9"}, nil, false},
		{"ok/auditor-changes-own-password", with(auditor, now), AccountCredentials, Object{Kind: "account", OwnerID: "acct-aud"}, nil, false},
		{"ok/step-up-exactly-at-window", with(ownerA, now.Add(-StepUpWindow)), PayoutUpdate, merchantA, nil, false},

		{"fail/customer-reads-other-customers-order", alice, OrderRead, bobOrder, ErrForbidden, false},
		{"fail/customer-cancels-other-customers-order", bob, OrderCancel, aliceOrder, ErrForbidden, false},
		{"fail/merchant-staff-reads-other-merchants-order", staffA, MerchantOrderRead, mOrderB, ErrForbidden, false},
		{"fail/merchant-staff-updates-payout", with(staffA, now), PayoutUpdate, merchantA, ErrForbidden, false},
		{"fail/merchant-staff-manages-staff", with(staffA, now), MerchantStaffManage, merchantA, ErrForbidden, false},
		{"fail/merchant-owner-payout-other-merchant", with(ownerA, now), PayoutUpdate, Object{Kind: "merchant", MerchantID: "m-b"}, ErrForbidden, false},
		{"fail/auditor-writes", with(auditor, now), RefundIssue, aliceOrder, ErrForbidden, false},
		{"fail/auditor-cancels-order", with(auditor, now), OrderCancel, aliceOrder, ErrForbidden, false},
		{"fail/empty-owner-does-not-match-empty-actor", Actor{Anonymous: true}, CartWrite, Object{Kind: "cart"}, ErrForbidden, false},
		{"fail/empty-org-does-not-match-empty-org", Actor{AccountID: "acct-z1", Roles: []Role{BusinessBuyer}}, OrderRead, Object{Kind: "order", OwnerID: "acct-z9"}, ErrForbidden, false},
		{"fail/empty-merchant-does-not-match", Actor{AccountID: "acct-z1", Roles: []Role{MerchantOwner}}, ProductUpdate, Object{Kind: "product"}, ErrForbidden, false},
		{"fail/signed-in-without-account-id", Actor{Roles: []Role{Customer}}, CartWrite, Object{Kind: "cart"}, ErrForbidden, false},
		{"fail/unknown-action", with(admin, now), Action("order.delete_all"), aliceOrder, ErrForbidden, false},
		{"fail/empty-action", with(admin, now), Action(""), aliceOrder, ErrForbidden, false},
		{"fail/reserved-action", with(admin, now), EscrowRelease, aliceOrder, ErrForbidden, false},
		{"fail/stale-mfa-for-step-up", with(ownerA, now.Add(-6*time.Minute)), PayoutUpdate, merchantA, ErrStepUpRequired, true},
		{"fail/never-verified-mfa-for-step-up", with(ownerA, time.Time{}), PayoutUpdate, merchantA, ErrStepUpRequired, true},
		{"fail/future-mfa-not-trusted", with(ownerA, now.Add(time.Minute)), PayoutUpdate, merchantA, ErrStepUpRequired, true},
		{"fail/step-up-not-offered-outside-scope", with(ownerA, time.Time{}), PayoutUpdate, Object{Kind: "merchant", MerchantID: "m-b"}, ErrForbidden, false},
		{"fail/business-admin-members-stale-mfa", orgAdmin, OrgMembersManage, Object{Kind: "org", OrgID: "org-1"}, ErrStepUpRequired, true},
		{"fail/anonymous-claiming-admin-role", Actor{AccountID: "guest-z2", Anonymous: true, Roles: []Role{PlatformAdmin}, MFAAt: now}, ConfigRead, Object{}, ErrForbidden, false},
		{"fail/pseudo-role-claimed-is-ignored", Actor{AccountID: "acct-z1", Roles: []Role{Guest, "root"}}, CatalogRead, product, ErrForbidden, false},
		{"fail/platform-admin-updates-payout", with(admin, now), PayoutUpdate, merchantA, ErrForbidden, false},
		{"fail/platform-admin-orders", with(admin, now), OrderCreate, Object{Kind: "order", OwnerID: "acct-adm"}, ErrForbidden, false},
		{"fail/support-grants-role", with(Actor{AccountID: "acct-z3", Roles: []Role{Support}}, now), UserRoleGrant, Object{Kind: "account", OwnerID: "acct-x9"}, ErrForbidden, false},
		{"fail/risk-analyst-refunds", with(Actor{AccountID: "acct-z4", Roles: []Role{RiskAnalyst}}, now), RefundIssue, aliceOrder, ErrForbidden, false},
		{"fail/security-officer-rotates-keys", with(Actor{AccountID: "acct-z5", Roles: []Role{SecurityOfficer}}, now), KeyRotate, Object{}, ErrForbidden, false},
		{"fail/guest-reads-order", guest, OrderRead, Object{Kind: "order", OwnerID: "guest-7"}, ErrForbidden, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.actor, tt.act, tt.obj, now)
			if err := d.Err(); !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Err() = %v, want %v (reason %q)", err, tt.wantErr, d.Reason())
			}
			if d.Allowed() != (tt.wantErr == nil) {
				t.Errorf("Allowed() = %v with Err() %v", d.Allowed(), d.Err())
			}
			if d.NeedStepUp() != tt.wantStepUp {
				t.Errorf("NeedStepUp() = %v, want %v", d.NeedStepUp(), tt.wantStepUp)
			}
			// The reason goes to logs: it may name kinds, never IDs.
			for _, id := range []string{tt.obj.ID, tt.obj.OwnerID, tt.actor.AccountID} {
				if id != "" && strings.Contains(d.Reason(), id) {
					t.Errorf("Reason() %q leaks ID %q", d.Reason(), id)
				}
			}
		})
	}
}

func TestZeroDecisionDenies(t *testing.T) {
	var d Decision
	if d.Allowed() || d.NeedStepUp() || !errors.Is(d.Err(), ErrForbidden) || d.Reason() == "" {
		t.Fatalf("zero Decision = %+v, want a denial with a reason", d)
	}
}

// An actor holds the union of its roles' grants.
func TestRolesUnion(t *testing.T) {
	a := Actor{AccountID: "u", Roles: []Role{Customer, Support}}
	if d := Decide(a, OrderRead, Object{Kind: "order", OwnerID: "other"}, now); !d.Allowed() {
		t.Fatalf("support+customer reading any order: %s", d.Reason())
	}
}
