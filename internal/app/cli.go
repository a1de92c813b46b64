package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/citadel-store/citadel/internal/config"
)

const usage = `usage: citadel <command> [flags]

commands:
  serve     run the store (HTTPS, redirecting HTTP, admin listener)
  migrate   apply database migrations and report the schema version
  ca        the built-in certificate authority: root, issue-server, revoke, list, crl
  user      create an account with a role and print its enrolment link
  org       business organizations: create, add-member
  merchant  merchants: create, add-member, list
  ledger    the double-entry ledger: check
  keys      encryption keys: status, rotate, reencrypt, rotate-master
  backup    encrypted, signed backups: create, verify, restore
  guard     the block list of a running server: list, block, unblock
  audit     the tamper-evident audit log: verify, proof N, watch URL
  verify    check evidence offline: audit-bundle FILE
  version   print the version

Run 'citadel <command> -h' for a command's flags.
`

// Main runs one subcommand and returns the process exit code: 0 on
// success, 2 for bad usage, 1 for any other failure, always with one clear
// line on stderr naming the problem.
func Main(args []string, env func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "serve":
		var cfg config.Serve
		cfg, err = config.ParseServe(args[1:], env, stderr)
		if err == nil {
			err = Run(ctx, cfg, Options{}, stdout, stderr)
		}
	case "migrate":
		err = cmdMigrate(ctx, args[1:], env, stdout, stderr)
	case "ca":
		err = cmdCA(ctx, args[1:], env, stdout, stderr)
	case "user":
		err = cmdUser(ctx, args[1:], env, stdout, stderr)
	case "org":
		err = cmdOrg(ctx, args[1:], env, stdout, stderr)
	case "merchant":
		err = cmdMerchant(ctx, args[1:], env, stdout, stderr)
	case "ledger":
		err = cmdLedger(ctx, args[1:], env, stdout, stderr)
	case "keys":
		err = cmdKeys(ctx, args[1:], env, stdout, stderr)
	case "backup":
		err = cmdBackup(ctx, args[1:], env, stdout, stderr)
	case "guard":
		err = cmdGuard(ctx, args[1:], env, stdout, stderr)
	case "audit":
		err = cmdAudit(ctx, args[1:], env, stdout, stderr)
	case "verify":
		err = cmdVerify(ctx, args[1:], env, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, VersionString())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "citadel: unknown command %q\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, config.ErrUsage):
		fmt.Fprintf(stderr, "citadel %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "citadel %s: %v\n", args[0], err)
		return 1
	}
}

func usageErr(format string, a ...any) error {
	return config.Usage(fmt.Errorf(format, a...))
}

func cmdMigrate(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, pos, err := config.ParseCommon(fs, args, env)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
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
	cur, latest, err := db.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: schema version %d of %d\n", db, cur, latest)
	return nil
}
