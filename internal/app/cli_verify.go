package app

import (
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/citadel-store/citadel/internal/evidence"
)

// cmdVerifyEvidence: `citadel verify receipt FILE --key K` and `citadel
// verify contract FILE --key K --ca ROOT.pem` check an evidence file
// offline against the platform's published receipt key (and, for
// contracts, the CA root that issued the parties' certificates), print
// what it proves, and exit non-zero if a single byte is wrong.
func cmdVerifyEvidence(args []string, stdout, stderr io.Writer) error {
	kind := args[0]
	fs := flag.NewFlagSet("verify "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "the platform's published receipt key (text, or a file holding it)")
	ca := fs.String("ca", "", "contract: the CA root certificate (PEM) of the parties' client certificates")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("verify %s takes one file", kind)
	}
	if *key == "" {
		return usageErr("verify %s needs --key: the store publishes it at /.well-known/citadel-receipt-key", kind)
	}
	text := strings.TrimSpace(*key)
	if b, err := os.ReadFile(text); err == nil {
		text = strings.TrimSpace(string(b))
	}
	pub, err := evidence.ParsePublicKey(text)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	if kind == "receipt" {
		proof, err := evidence.VerifyReceipt(raw, pub)
		if err != nil {
			return fmt.Errorf("receipt does NOT verify: %w", err)
		}
		fmt.Fprint(stdout, proof.Text())
		return nil
	}
	if *ca == "" {
		return usageErr("verify contract needs --ca ROOT.pem")
	}
	pemBytes, err := os.ReadFile(*ca)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemBytes) {
		return fmt.Errorf("--ca %s: no PEM certificate", *ca)
	}
	proof, err := evidence.VerifyContract(raw, roots, pub)
	if err != nil {
		return fmt.Errorf("contract does NOT verify: %w", err)
	}
	fmt.Fprint(stdout, proof.Text())
	return nil
}
