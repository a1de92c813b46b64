package app

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/identity"
)

// cmdUser: `citadel user create --email E --role R [--url BASE]` creates an
// account with a role and prints a one-time enrolment link. It is how the
// first platform admin comes to exist: there are no default passwords.
// `user grant` and `user remove-role` change an account's roles (audited;
// the account's sessions end).
func cmdUser(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "grant" && args[0] != "remove-role") {
		fmt.Fprintln(stderr, "usage: citadel user create|grant|remove-role --email E --role R [--url https://host:port]")
		return usageErr("unknown or missing user command")
	}
	sub := args[0]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the person's email address")
	role := fs.String("role", "", "one of the roles (see docs/roles.md)")
	base := fs.String("url", "https://localhost:8443", "the store's public address, for the link")
	c, pos, err := config.ParseCommon(fs, args[1:], env)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	r, err := authz.ParseRole(*role)
	if err != nil {
		return usageErr("--role: %v", err)
	}
	if _, err := identity.NormalizeEmail(*email); err != nil {
		return usageErr("--email: %v", err)
	}
	if c.DB == "" {
		if err := prepareDataDir(c.Data); err != nil {
			return err
		}
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := config.Serve{Data: c.Data, DB: c.DB, MasterKeyFile: c.MasterKeyFile, MasterKey: c.MasterKey, AuthMemory: 64}
	sv, err := newServices(ctx, cfg, Options{}, db, *base, stderr)
	if err != nil {
		return err
	}
	m := identity.RequestMeta{RequestID: "cli"}
	switch sub {
	case "grant", "remove-role":
		account, err := sv.identity.AccountIDByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no account for %s: %w", *email, err)
		}
		if sub == "grant" {
			err = sv.identity.GrantRole(ctx, account, r, "operator", m)
		} else {
			err = sv.identity.RemoveRole(ctx, account, r, "operator", m)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: role %s %s; their sessions were signed out\n", *email, r, map[string]string{"grant": "granted", "remove-role": "removed"}[sub])
		return nil
	}
	link, err := sv.identity.CreateUser(ctx, *email, r, m)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created %s with role %s.\nSend them this one-time enrolment link (valid 72 hours) to set a password:\n%s\n", *email, r, link)
	return nil
}
