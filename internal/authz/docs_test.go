package authz

import (
	"os"
	"strings"
	"testing"
)

// docs/roles.md is the permission table rendered by Markdown(): the docs
// read the same table as the code. Regenerate with
// CITADEL_UPDATE_DOCS=1 go test ./internal/authz/ -run TestRolesDoc.
func TestRolesDoc(t *testing.T) {
	const path = "../../docs/roles.md"
	want := "# Roles and permissions\n\nGenerated from `internal/authz/table.go` by `TestRolesDoc`; do not edit by hand.\n" +
		"A cell names the scope of the grant (own, org, merchant, any); `+` means a second factor verified within " +
		StepUpWindow.String() + " is required (step-up). An empty cell is a denial: everything not granted is denied.\n\n" + Markdown()
	if os.Getenv("CITADEL_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with CITADEL_UPDATE_DOCS=1)", err)
	}
	if strings.TrimSpace(string(got)) != strings.TrimSpace(want) {
		t.Fatal("docs/roles.md is out of date with the permission table (regenerate with CITADEL_UPDATE_DOCS=1)")
	}
}
