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
func cmdUser(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: citadel user create --email E --role R [--url https://host:port]")
		return usageErr("unknown or missing user command")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
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
	link, err := sv.identity.CreateUser(ctx, *email, r, identity.RequestMeta{RequestID: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created %s with role %s.\nSend them this one-time enrolment link (valid 72 hours) to set a password:\n%s\n", *email, r, link)
	return nil
}
