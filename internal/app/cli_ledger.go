package app

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/money"
)

// cmdLedger: `citadel ledger check` verifies every invariant of the
// double-entry ledger (each entry balanced, each balance the sum of its
// lines, escrow equal to the paid-but-unreleased orders) and exits
// non-zero with the first discrepancy.
func cmdLedger(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, "usage: citadel ledger check [--data DIR | --db URL]")
		return usageErr("unknown or missing ledger command")
	}
	fs := flag.NewFlagSet("ledger check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, pos, err := config.ParseCommon(fs, args[1:], env)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := money.Check(ctx, db); err != nil {
		return fmt.Errorf("ledger check failed: %w", err)
	}
	fmt.Fprintln(stdout, "ledger check: every entry balanced, every balance equal to its lines, escrow equal to the orders it holds")
	return nil
}
