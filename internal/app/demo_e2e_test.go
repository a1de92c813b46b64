package app_test

import (
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
)

// The demo store starts with merchants, products and stock, and prints
// the merchant owner's sign-in.
func TestDemoCatalog(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	cfg.Demo = true
	s := apptest.Start(t, cfg)
	if !strings.Contains(s.Stdout.String(), "merchant@demo.citadel.test") {
		t.Fatalf("start-up output does not name the demo merchant:\n%s", s.Stdout.String())
	}
}
