package app

import (
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/pki"
)

const caUsage = `usage: citadel ca <command> [flags]

  root                          print the root certificate (PEM)
  issue-server --name N... --out DIR [--days D]
                                issue a server certificate for other names
  issue-client --email E --out DIR [--csr F] [--days D]
                                issue a client certificate bound to a business user
  revoke SERIAL [--reason R]    revoke a certificate by serial (hex or decimal)
  list                          list issued certificates and their status
  crl                           print the current CRL (PEM)
`

func cmdCA(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, caUsage)
		return usageErr("missing ca command")
	}
	sub, args := args[0], args[1:]
	if sub == "issue-client" {
		return caIssueClient(ctx, args, env, stdout, stderr)
	}
	fs := flag.NewFlagSet("ca "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var names []string
	fs.Func("name", "DNS name or IP for issue-server (repeatable)", func(v string) error {
		names = append(names, strings.ToLower(strings.TrimSpace(v)))
		return nil
	})
	out := fs.String("out", "", "output directory for issue-server")
	days := fs.Int("days", 90, "validity in days for issue-server (1 to 397)")
	reason := fs.String("reason", "unspecified", "revocation reason: "+strings.Join(pki.ReasonNames(), ", "))
	c, pos, err := config.ParseCommon(fs, args, env)
	if err != nil {
		return err
	}
	switch sub {
	case "revoke":
	case "root", "issue-server", "list", "crl":
		if len(pos) > 0 {
			return usageErr("unexpected argument %q", pos[0])
		}
	default:
		fmt.Fprint(stderr, caUsage)
		return usageErr("unknown ca command %q", sub)
	}
	if sub == "root" {
		if _, err := os.Stat(filepath.Join(caDir(c.Data), "root.pem")); err != nil {
			return fmt.Errorf("no CA in %s: start `citadel serve` once to create it", caDir(c.Data))
		}
		ca, _, err := openCA(c.Data, config.Secret(env("CITADEL_CA_PASSPHRASE")), Options{})
		if err != nil {
			return err
		}
		_, err = stdout.Write(ca.RootPEM())
		return err
	}
	ca, db, sv, err := openOperator(ctx, c, env, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	reg := pki.NewRegistry(db, ca)
	reg.Audit = sv.auditHook()

	switch sub {
	case "issue-server":
		return caIssueServer(ctx, reg, names, *out, *days, stdout)
	case "revoke":
		if len(pos) != 1 {
			return usageErr("revoke takes exactly one serial")
		}
		serial, err := pki.ParseSerial(pos[0])
		if err != nil {
			return usageErr("%v", err)
		}
		code, ok := pki.ReasonCode(*reason)
		if !ok {
			return usageErr("--reason %q: want one of %s", *reason, strings.Join(pki.ReasonNames(), ", "))
		}
		if err := reg.Revoke(ctx, serial, code); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s (%s); the CRL at /pki/crl lists it from now on\n", pki.FormatSerial(serial), *reason)
		return nil
	case "list":
		recs, err := reg.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SERIAL\tKIND\tSUBJECT\tNOT AFTER\tSTATUS")
		for _, r := range recs {
			status := "valid"
			if r.RevokedAt != nil {
				status = "revoked " + r.RevokedAt.Format(time.RFC3339)
			} else if time.Now().After(r.NotAfter) {
				status = "expired"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Serial, r.Kind, r.Subject, r.NotAfter.Format(time.RFC3339), status)
		}
		return tw.Flush()
	case "crl":
		der, err := reg.CRL(ctx)
		if err != nil {
			return err
		}
		return pem.Encode(stdout, &pem.Block{Type: "X509 CRL", Bytes: der})
	}
	return nil
}

func caIssueServer(ctx context.Context, reg *pki.Registry, names []string, out string, days int, stdout io.Writer) error {
	if len(names) == 0 {
		return usageErr("issue-server needs at least one --name")
	}
	if out == "" {
		return usageErr("issue-server needs --out DIR")
	}
	if days < 1 || days > 397 {
		return usageErr("--days %d: want 1 to 397", days)
	}
	for _, n := range names {
		if !config.ValidHostname(strings.TrimPrefix(n, "*.")) {
			return usageErr("--name %q: not a DNS name or IP address", n)
		}
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return err
	}
	certPath, keyPath := filepath.Join(out, "server.pem"), filepath.Join(out, "server.key")
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%s exists: refusing to overwrite", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	issued, err := reg.IssueServer(ctx, names, time.Duration(days)*24*time.Hour)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, issued.KeyPEM, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(certPath, issued.ChainPEM, 0o644); err != nil {
		os.Remove(keyPath)
		return err
	}
	fmt.Fprintf(stdout, "issued %s for %s\ncertificate chain: %s\nkey: %s\n", pki.FormatSerial(issued.Cert.SerialNumber),
		strings.Join(names, ", "), certPath, keyPath)
	return nil
}
