package app

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/pki"
	"github.com/citadel-store/citadel/internal/store"
)

// caIssueClient: `citadel ca issue-client --email E --out DIR [--csr F] [--days D]`
// issues a client certificate bound to a business user's account: from
// their CSR (they keep the key), or with a new key delivered as a
// password-protected PKCS#12 file (password from CITADEL_P12_PASSWORD, or
// generated and printed once).
func caIssueClient(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ca issue-client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the business user's email")
	out := fs.String("out", "", "output directory")
	csrFile := fs.String("csr", "", "PEM certificate request from the user (else a key is generated into a PKCS#12 file)")
	days := fs.Int("days", 365, "validity in days (1 to 397)")
	c, pos, err := config.ParseCommon(fs, args, env)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	if *out == "" || *email == "" {
		return usageErr("issue-client needs --email and --out")
	}
	if *days < 1 || *days > 397 {
		return usageErr("--days %d: want 1 to 397", *days)
	}
	var csr []byte
	if *csrFile != "" {
		if csr, err = os.ReadFile(*csrFile); err != nil {
			return err
		}
	}
	ca, db, sv, err := openOperator(ctx, c, env, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	account, err := sv.identity.AccountIDByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no account for %s: %w", *email, err)
	}
	reg := pki.NewRegistry(db, ca)
	reg.Audit = sv.auditHook()
	validity := time.Duration(*days) * 24 * time.Hour
	var iss *pki.Issued
	if csr != nil {
		iss, err = reg.IssueClientFromCSR(ctx, csr, account, *email, validity)
	} else {
		iss, err = reg.IssueClient(ctx, account, *email, validity)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return err
	}
	certPath := filepath.Join(*out, "client.pem")
	if err := writeNew(certPath, iss.ChainPEM, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "issued %s to %s (account %s)\ncertificate chain: %s\n", pki.FormatSerial(iss.Cert.SerialNumber), *email, account, certPath)
	if iss.KeyPEM == nil {
		return nil
	}
	pw := env("CITADEL_P12_PASSWORD")
	generated := pw == ""
	if generated {
		b := make([]byte, 15)
		rand.Read(b)
		pw = base64.RawURLEncoding.EncodeToString(b)
	}
	block, _ := pem.Decode(iss.KeyPEM)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return err
	}
	p12, err := pkcs12.Modern2023.Encode(key, iss.Cert, []*x509.Certificate{ca.Intermediate()}, pw)
	if err != nil {
		return err
	}
	p12Path := filepath.Join(*out, "client.p12")
	if err := writeNew(p12Path, p12, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key and certificate (PKCS#12): %s\n", p12Path)
	if generated {
		fmt.Fprintf(stdout, "PKCS#12 password (shown once; give it to the user by another channel): %s\n", pw)
	}
	return nil
}

// openOperator opens the CA, the database and the services for an
// operator command.
func openOperator(ctx context.Context, c config.Common, env func(string) string, notice io.Writer) (*pki.CA, *store.DB, *services, error) {
	if _, err := os.Stat(filepath.Join(caDir(c.Data), "root.pem")); err != nil {
		return nil, nil, nil, fmt.Errorf("no CA in %s: start `citadel serve` once to create it", caDir(c.Data))
	}
	ca, _, err := openCA(c.Data, config.Secret(env("CITADEL_CA_PASSPHRASE")), Options{})
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg := config.Serve{Data: c.Data, DB: c.DB, MasterKeyFile: c.MasterKeyFile, MasterKey: c.MasterKey, AuthMemory: 64}
	sv, err := newServices(ctx, cfg, Options{}, db, "https://localhost:8443", notice)
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return ca, db, sv, nil
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: refusing to overwrite", path)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

// cmdOrg: `citadel org create --name N [--require-client-cert]` and
// `citadel org add-member --org ID --email E`.
func cmdOrg(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "add-member") {
		fmt.Fprintln(stderr, "usage: citadel org create --name N [--require-client-cert] [--require-passkey] | citadel org add-member --org ID --email E")
		return usageErr("unknown or missing org command")
	}
	fs := flag.NewFlagSet("org "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "organization name")
	require := fs.Bool("require-client-cert", false, "members must present a client certificate from the CA")
	requirePK := fs.Bool("require-passkey", false, "members' second factor must be a passkey (hardware or platform authenticator)")
	org := fs.String("org", "", "organization ID")
	email := fs.String("email", "", "member's email")
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
	m := identity.RequestMeta{RequestID: "cli"}
	if args[0] == "create" {
		id, err := sv.identity.CreateOrg(ctx, *name, *require, *requirePK, m)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, id)
		return nil
	}
	account, err := sv.identity.AccountIDByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no account for %s: %w", *email, err)
	}
	return sv.identity.SetOrg(ctx, account, *org, m)
}
