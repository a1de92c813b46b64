package authz

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDecideAgreesWithTable runs every (role, action) pair against objects
// whose reach is written out by hand, so Decide's scope matching is checked
// against an oracle that does not share its code.
func TestDecideAgreesWithTable(t *testing.T) {
	type fixture struct {
		name    string
		bare    bool // actor with no org and no merchant
		obj     Object
		reaches []Scope
	}
	fixtures := []fixture{
		{"own", false, Object{OwnerID: "me"}, []Scope{ScopeOwn, ScopeAny}},
		{"same-org", false, Object{OwnerID: "other", OrgID: "org-me"}, []Scope{ScopeOrg, ScopeAny}},
		{"same-merchant", false, Object{OwnerID: "other", MerchantID: "m-me"}, []Scope{ScopeMerchant, ScopeAny}},
		{"all-mine", false, Object{OwnerID: "me", OrgID: "org-me", MerchantID: "m-me"}, []Scope{ScopeOwn, ScopeOrg, ScopeMerchant, ScopeAny}},
		{"foreign", false, Object{OwnerID: "other", OrgID: "org-x", MerchantID: "m-x"}, []Scope{ScopeAny}},
		{"empty", false, Object{}, []Scope{ScopeAny}},
		{"bare-actor-empty-object", true, Object{}, []Scope{ScopeAny}},
		{"bare-actor-foreign", true, Object{OwnerID: "other", OrgID: "org-x", MerchantID: "m-x"}, []Scope{ScopeAny}},
	}
	for _, r := range docRoles() {
		for _, act := range Actions() {
			for _, f := range fixtures {
				// Every signed-in actor also holds AccountHolder.
				a := Actor{AccountID: "me", OrgID: "org-me", MerchantID: "m-me"}
				held := []Role{r}
				switch r {
				case Guest:
					a.Anonymous = true
				case AccountHolder:
				default:
					a.Roles = []Role{r}
					held = append(held, AccountHolder)
				}
				if f.bare {
					a.OrgID, a.MerchantID = "", ""
				}
				wantFresh, wantNoMFA := false, false
				for _, h := range held {
					if g, ok := lookupGrant(h, act); ok && contains(f.reaches, g.Scope) {
						wantFresh = true
						wantNoMFA = wantNoMFA || !g.StepUp
					}
				}
				wantStepUp := wantFresh && !wantNoMFA

				t.Run(fmt.Sprintf("%s/%s/%s", r, act, f.name), func(t *testing.T) {
					a.MFAAt = now.Add(-time.Minute)
					if d := Decide(a, act, f.obj, now); d.Allowed() != wantFresh || d.NeedStepUp() {
						t.Fatalf("fresh MFA: Allowed()=%v NeedStepUp()=%v, want %v (%s)", d.Allowed(), d.NeedStepUp(), wantFresh, d.Reason())
					}
					a.MFAAt = time.Time{}
					d := Decide(a, act, f.obj, now)
					if d.Allowed() != wantNoMFA || d.NeedStepUp() != wantStepUp {
						t.Fatalf("no MFA: Allowed()=%v NeedStepUp()=%v, want %v, step-up %v (%s)", d.Allowed(), d.NeedStepUp(), wantNoMFA, wantStepUp, d.Reason())
					}
				})
			}
		}
	}
}

func lookupGrant(r Role, act Action) (Grant, bool) {
	for _, g := range Table() {
		if g.Role == r && g.Action == act {
			return g, true
		}
	}
	return Grant{}, false
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestTableWellFormed(t *testing.T) {
	seen := map[[2]string]bool{}
	for _, g := range Table() {
		key := [2]string{string(g.Role), string(g.Action)}
		if seen[key] {
			t.Errorf("%s holds %s twice", g.Role, g.Action)
		}
		seen[key] = true
		if !g.Role.Valid() && g.Role != Guest && g.Role != AccountHolder {
			t.Errorf("grant to unknown role %q", g.Role)
		}
		if !g.Action.Valid() || g.Action.Reserved() {
			t.Errorf("grant of unknown or reserved action %q", g.Action)
		}
		if g.Scope < ScopeOwn || g.Scope > ScopeAny {
			t.Errorf("%s %s: invalid scope %d", g.Role, g.Action, g.Scope)
		}
	}
}

func TestNoDeadActionsOrRoles(t *testing.T) {
	acts := Actions()
	if n := len(acts); n < 40 || n > 65 {
		t.Errorf("%d actions; the design calls for about 40-60", n)
	}
	unique := map[Action]bool{}
	for _, act := range acts {
		if unique[act] {
			t.Errorf("action %s listed twice", act)
		}
		unique[act] = true
		granted := false
		for _, g := range Table() {
			granted = granted || g.Action == act
		}
		if granted == act.Reserved() {
			t.Errorf("action %s: granted=%v reserved=%v; want exactly one", act, granted, act.Reserved())
		}
	}
	for _, r := range docRoles() {
		n := 0
		for _, g := range Table() {
			if g.Role == r {
				n++
			}
		}
		if n == 0 {
			t.Errorf("role %s has no grant", r)
		}
	}
}

func TestAuditorNeverWrites(t *testing.T) {
	for _, g := range Table() {
		if g.Role == Auditor && !g.Action.ReadOnly() {
			t.Errorf("auditor holds write action %s", g.Action)
		}
	}
}

// Tenant roles act on their own, their organization's or their merchant's
// objects; the only platform-wide thing they may do is browse the catalog.
func TestTenantRolesStayInTenancy(t *testing.T) {
	tenants := []Role{Guest, AccountHolder, Customer, BusinessBuyer, BusinessAdmin, MerchantOwner, MerchantStaff}
	for _, g := range Table() {
		if contains(tenants, g.Role) && g.Scope == ScopeAny && g.Action != CatalogRead {
			t.Errorf("tenant role %s holds %s platform-wide", g.Role, g.Action)
		}
		if g.Role == AccountHolder && g.Scope != ScopeOwn {
			t.Errorf("account_holder holds %s at scope %s", g.Action, g.Scope)
		}
	}
}

func TestSensitiveActionsNeedStepUp(t *testing.T) {
	sensitive := []Action{UserRoleGrant, PayoutUpdate, AccountCredentials, AccountTokens,
		OrgMembersManage, MerchantStaffManage, KeyRotate, ConfigUpdate, BackupRestore,
		PrivacyEraseSelf, PrivacyExportSelf, RefundIssue, DisputeResolve, CertIssue}
	for _, g := range Table() {
		if contains(sensitive, g.Action) && !g.StepUp {
			t.Errorf("%s holds %s without step-up", g.Role, g.Action)
		}
	}
}

func TestLeastPrivilege(t *testing.T) {
	never := []struct {
		role Role
		acts []Action
	}{
		{PlatformAdmin, []Action{PayoutUpdate, OrderCreate, RefundIssue, DisputeResolve, CartWrite}},
		{MerchantStaff, []Action{PayoutUpdate, MerchantStaffManage, RefundIssue}},
		{Support, []Action{UserRoleGrant, RefundIssue, ConfigUpdate}},
		{RiskAnalyst, []Action{RefundIssue, DisputeResolve}},
		{SecurityOfficer, []Action{KeyRotate, UserRoleGrant, ConfigUpdate}},
		{BusinessBuyer, []Action{OrgMembersManage, OrgContractSign}},
	}
	for _, n := range never {
		for _, act := range n.acts {
			if s, ok := Allowed(n.role, act); ok {
				t.Errorf("%s holds %s at scope %s", n.role, act, s)
			}
		}
	}
	must := []struct {
		role  Role
		act   Action
		scope Scope
	}{
		{MerchantOwner, PayoutUpdate, ScopeMerchant},
		{Support, DisputeResolve, ScopeAny},
		{RiskAnalyst, RiskReview, ScopeAny},
		{SecurityOfficer, GuardBlock, ScopeAny},
		{SecurityOfficer, SessionRevokeAny, ScopeAny},
		{PlatformAdmin, KeyRotate, ScopeAny},
		{BusinessBuyer, OrgPurchase, ScopeOrg},
		{Customer, OrderRead, ScopeOwn},
	}
	for _, m := range must {
		if s, ok := Allowed(m.role, m.act); !ok || s != m.scope {
			t.Errorf("Allowed(%s, %s) = %s, %v; want %s", m.role, m.act, s, ok, m.scope)
		}
	}
}

func TestTableIsACopy(t *testing.T) {
	tab := Table()
	for i := range tab {
		tab[i].Scope = ScopeAny
		tab[i].Role = PlatformAdmin
	}
	if s, _ := Allowed(Customer, OrderRead); s != ScopeOwn {
		t.Fatalf("changing Table()'s result changed the table: customer order.read is %s", s)
	}
}

func TestMarkdown(t *testing.T) {
	md := Markdown()
	lines := strings.Split(md, "\n")
	header := lines[0]
	for _, r := range docRoles() {
		if !strings.Contains(header, " "+string(r)+" |") {
			t.Errorf("header lacks role %s", r)
		}
	}
	for i, act := range Actions() {
		row := lines[2+i]
		if !strings.HasPrefix(row, "| `"+string(act)+"` ") {
			t.Fatalf("row %d = %q, want action %s", i, row, act)
		}
		if got, want := strings.Count(row, "|"), len(docRoles())+3; got != want {
			t.Errorf("row %s has %d cells separators, want %d", act, got, want)
		}
	}
	if !strings.Contains(md, "| `payout.update` change payout bank details | | | | | | | merchant+ |") {
		t.Errorf("payout.update row wrong:\n%s", md)
	}
	if Markdown() != md {
		t.Error("Markdown is not deterministic")
	}
}
