package authz

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRole(t *testing.T) {
	for _, r := range Roles() {
		got, err := ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, name := range []string{
		"fail/empty", "fail/upper-case", "fail/padded", "fail/guest", "fail/account-holder", "fail/unknown",
	} {
		in := map[string]string{
			"fail/empty": "", "fail/upper-case": "Platform_Admin", "fail/padded": " customer",
			"fail/guest": "guest", "fail/account-holder": "account_holder", "fail/unknown": "root",
		}[name]
		t.Run(name, func(t *testing.T) {
			r, err := ParseRole(in)
			if !errors.Is(err, ErrUnknownRole) || r != "" {
				t.Fatalf("ParseRole(%q) = %q, %v; want ErrUnknownRole", in, r, err)
			}
		})
	}
	t.Run("fail/long-input-cut-in-error", func(t *testing.T) {
		_, err := ParseRole(strings.Repeat("x", 10000))
		if err == nil || len(err.Error()) > 100 {
			t.Fatalf("error for long input: %d bytes", len(err.Error()))
		}
	})
}

func FuzzParseRole(f *testing.F) {
	for _, r := range Roles() {
		f.Add(string(r))
	}
	f.Add("guest")
	f.Add("customer\x00")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRole(s)
		if err != nil {
			if r != "" || !errors.Is(err, ErrUnknownRole) {
				t.Fatalf("ParseRole(%q) = %q, %v", s, r, err)
			}
			return
		}
		if string(r) != s || !r.Valid() || !StaffRole(r) && r != Customer && r != BusinessBuyer {
			t.Fatalf("ParseRole(%q) = %q: not a round trip of an assignable role", s, r)
		}
	})
}

func TestRoles(t *testing.T) {
	rs := Roles()
	if len(rs) != 10 {
		t.Fatalf("%d roles, want 10", len(rs))
	}
	rs[0] = PlatformAdmin
	if Roles()[0] != Customer {
		t.Fatal("changing Roles()'s result changed the role list")
	}
	for _, r := range []Role{Guest, AccountHolder, "", "Customer"} {
		if r.Valid() {
			t.Errorf("%q is valid; pseudo-roles and unknown names must not be", r)
		}
	}
}

func TestStaffRoleAndIdleTimeout(t *testing.T) {
	staff := map[Role]bool{
		Support: true, RiskAnalyst: true, SecurityOfficer: true, Auditor: true, PlatformAdmin: true,
		MerchantOwner: true, MerchantStaff: true, BusinessAdmin: true,
	}
	for _, r := range append(Roles(), Guest, AccountHolder) {
		if StaffRole(r) != staff[r] {
			t.Errorf("StaffRole(%s) = %v, want %v", r, StaffRole(r), staff[r])
		}
	}
	tests := []struct {
		roles []Role
		want  time.Duration
	}{
		{nil, 30 * time.Minute},
		{[]Role{Customer}, 30 * time.Minute},
		{[]Role{Customer, BusinessBuyer}, 30 * time.Minute},
		{[]Role{Customer, MerchantStaff}, 15 * time.Minute},
		{[]Role{Auditor}, 15 * time.Minute},
	}
	for _, tt := range tests {
		if got := IdleTimeout(tt.roles); got != tt.want {
			t.Errorf("IdleTimeout(%v) = %v, want %v", tt.roles, got, tt.want)
		}
	}
}
