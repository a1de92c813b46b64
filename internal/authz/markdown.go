package authz

import (
	"strconv"
	"strings"
	"time"
)

// docRoles is the column order of the matrix: the pseudo-roles, then the
// assignable roles.
func docRoles() []Role {
	return append([]Role{Guest, AccountHolder}, roles[:]...)
}

// Markdown renders the permission table as a Markdown matrix, one row per
// action and one column per role, for the documentation. A cell holds the
// scope of the grant, with "+" when it needs a step-up; an empty cell is a
// denial. The output is deterministic, so docs can be checked against it.
func Markdown() string {
	cols := docRoles()
	var b strings.Builder
	b.WriteString("| Action | Read-only |")
	for _, r := range cols {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|---|")
	b.WriteString(strings.Repeat("---|", len(cols)))
	b.WriteString("\n")
	for _, in := range actions {
		b.WriteString("| `" + string(in.action) + "` ")
		if in.reserved {
			b.WriteString("(reserved: " + in.doc + ")")
		} else {
			b.WriteString(in.doc)
		}
		b.WriteString(" |")
		ro := ""
		if in.readOnly {
			ro = "yes"
		}
		b.WriteString(column(ro))
		for _, r := range cols {
			b.WriteString(column(cell(r, in.action)))
		}
		b.WriteString("\n")
	}
	b.WriteString("\nScopes: own = the actor's own objects; org = its organization's; " +
		"merchant = its merchant's; any = platform-wide. " +
		"+ = needs a factor verified in the last " + strconv.Itoa(int(StepUpWindow/time.Minute)) + " minutes. " +
		"guest is every anonymous visitor; account_holder is every signed-in account.\n")
	return b.String()
}

func column(s string) string {
	if s == "" {
		return " |"
	}
	return " " + s + " |"
}

func cell(r Role, act Action) string {
	for _, g := range table {
		if g.Role == r && g.Action == act {
			if g.StepUp {
				return g.Scope.String() + "+"
			}
			return g.Scope.String()
		}
	}
	return ""
}
