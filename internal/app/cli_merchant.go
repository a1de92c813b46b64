package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/identity"
)

// cmdMerchant: `citadel merchant create --name N --slug S` onboards a
// merchant; `citadel merchant add-member --merchant SLUG --email E` lets an
// account (with role merchant_owner or merchant_staff, see `user grant`)
// work for it. Both are audited through identity.
func cmdMerchant(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "add-member" && args[0] != "list") {
		fmt.Fprintln(stderr, "usage: citadel merchant create --name N --slug S | add-member --merchant SLUG --email E | list")
		return usageErr("unknown or missing merchant command")
	}
	fs := flag.NewFlagSet("merchant "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "the merchant's display name")
	slug := fs.String("slug", "", "short lower-case name for URLs (a-z, 0-9, -)")
	merchant := fs.String("merchant", "", "the merchant's slug")
	email := fs.String("email", "", "the member's email")
	c, pos, err := config.ParseCommon(fs, args[1:], env)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	_, db, sv, err := openOperator(ctx, c, env, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	cat := catalog.New(db)
	switch args[0] {
	case "create":
		m, err := cat.CreateMerchant(ctx, *name, *slug)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", m.ID, m.Slug, m.Name)
		return nil
	case "list":
		ms, err := cat.Merchants(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", m.ID, m.Slug, m.Status, m.Name)
		}
		return nil
	}
	m, err := cat.MerchantBySlug(ctx, strings.TrimSpace(*merchant))
	if err != nil {
		return fmt.Errorf("no merchant %q: %w", *merchant, err)
	}
	account, err := sv.identity.AccountIDByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no account for %s: %w", *email, err)
	}
	if err := sv.identity.SetMerchant(ctx, account, m.ID, identity.RequestMeta{RequestID: "cli"}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s now works for %s; their sessions were signed out\n", *email, m.Name)
	return nil
}
