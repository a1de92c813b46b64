package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/citadel-store/citadel/internal/audit/tlog"
	"github.com/citadel-store/citadel/internal/config"
)

// cmdAuditProof: `citadel audit proof N [--out FILE]` exports evidence
// that entry N is in the log: the entry, its inclusion proof, a signed
// checkpoint and the log's public key.
func cmdAuditProof(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit proof", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the bundle here (default: standard output)")
	c, pos, err := config.ParseCommon(fs, args, env)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("audit proof takes one entry index")
	}
	idx, err := strconv.ParseUint(pos[0], 10, 63)
	if err != nil {
		return usageErr("index %q: not a whole number", pos[0])
	}
	vkey, err := os.ReadFile(auditKeyPath(c.Data) + ".pub")
	if err != nil {
		return fmt.Errorf("no audit log key in %s", c.Data)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return err
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	l, err := tlog.New(db, verifier.Name(), nil, tlog.Options{})
	if err != nil {
		return err
	}
	b, err := l.MakeBundle(ctx, idx, strings.TrimSpace(string(vkey)))
	if err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(b, "", "  ")
	raw = append(raw, '\n')
	if *out == "" {
		_, err = stdout.Write(raw)
		return err
	}
	return writeNew(*out, raw, 0o644)
}

// cmdVerify: `citadel verify audit-bundle FILE [--key K]` checks an
// evidence bundle offline.
func cmdVerify(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "receipt" || args[0] == "contract") {
		return cmdVerifyEvidence(args, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "audit-bundle" {
		fmt.Fprintln(stderr, "usage: citadel verify audit-bundle FILE [--key VERIFIER-KEY-OR-FILE]\n"+
			"       citadel verify receipt FILE --key RECEIPT-KEY-OR-FILE\n"+
			"       citadel verify contract FILE --key RECEIPT-KEY-OR-FILE --ca ROOT.pem")
		return usageErr("unknown or missing verify command")
	}
	fs := flag.NewFlagSet("verify audit-bundle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "the log's published verifier key (text or file) to pin")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("verify audit-bundle takes one file")
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	pinned := strings.TrimSpace(*key)
	if b, err := os.ReadFile(pinned); err == nil {
		pinned = strings.TrimSpace(string(b))
	}
	cp, b, err := tlog.VerifyBundle(raw, pinned)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "entry %d is in the log %s of size %d (root %s)\n", b.Index, cp.Origin, cp.Size, base64.StdEncoding.EncodeToString(cp.Root))
	if pinned == "" {
		fmt.Fprintf(stdout, "checked against the key inside the bundle: compare it with the store's published key:\n  %s\n", b.Verifier)
	}
	fmt.Fprintf(stdout, "entry: %s\n", b.Entry)
	return nil
}

// cmdAuditWatch: `citadel audit watch URL --key K --state FILE` is a
// witness an outside party runs: it fetches the store's checkpoint,
// checks its signature and its consistency with the last one it saw,
// stores it, and exits non-zero on a fork or a rollback.
func cmdAuditWatch(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit watch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "the log's verifier key (text or file)")
	state := fs.String("state", "citadel-witness.checkpoint", "file keeping the last checkpoint seen")
	every := fs.Duration("every", time.Minute, "how often to check; 0 checks once")
	caFile := fs.String("ca", "", "CA certificate to trust for the store (PEM), e.g. its /pki/ca.pem")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *key == "" {
		return usageErr("audit watch takes the store's URL and --key")
	}
	k := strings.TrimSpace(*key)
	if b, err := os.ReadFile(k); err == nil {
		k = strings.TrimSpace(string(b))
	}
	v, err := note.NewVerifier(k)
	if err != nil {
		return usageErr("--key: %v", err)
	}
	client, err := witnessClient(*caFile)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(pos[0], "/")
	for {
		if err := witnessOnce(ctx, client, base, v, *state, stdout); err != nil {
			fmt.Fprintf(stderr, "ALERT: %v\n", err)
			return err
		}
		if *every == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
	}
}

// ErrFork is a checkpoint that does not extend the last one seen.
var ErrFork = errors.New("audit log fork or rollback")

func witnessOnce(ctx context.Context, client *http.Client, base string, v note.Verifier, statePath string, stdout io.Writer) error {
	signed, err := fetch(ctx, client, base+"/audit/checkpoint")
	if err != nil {
		return err
	}
	cur, err := tlog.OpenCheckpoint(signed, v)
	if err != nil {
		return fmt.Errorf("%w: the checkpoint does not verify: %v", ErrFork, err)
	}
	prevRaw, err := os.ReadFile(statePath)
	if err == nil {
		prev, err := tlog.OpenCheckpoint(prevRaw, v)
		if err != nil {
			return fmt.Errorf("stored checkpoint %s: %v", statePath, err)
		}
		switch {
		case cur.Size < prev.Size:
			return fmt.Errorf("%w: size went back from %d to %d", ErrFork, prev.Size, cur.Size)
		case cur.Size == prev.Size && !bytes.Equal(cur.Root, prev.Root):
			return fmt.Errorf("%w: two different roots for size %d", ErrFork, cur.Size)
		case cur.Size > prev.Size:
			body, err := fetch(ctx, client, base+"/audit/proof/consistency?"+url.Values{
				"from": {strconv.FormatUint(prev.Size, 10)}, "to": {strconv.FormatUint(cur.Size, 10)}}.Encode())
			if err != nil {
				return err
			}
			var p struct {
				Proof [][]byte `json:"proof"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				return fmt.Errorf("consistency proof: %v", err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, prev.Size, cur.Size, p.Proof, prev.Root, cur.Root); err != nil {
				return fmt.Errorf("%w: size %d does not extend size %d: %v", ErrFork, cur.Size, prev.Size, err)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(statePath+".tmp", signed, 0o644); err != nil {
		return err
	}
	if err := os.Rename(statePath+".tmp", statePath); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s checkpoint %d verified and consistent\n", time.Now().UTC().Format(time.RFC3339), cur.Size)
	return nil
}

func fetch(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

func witnessClient(caFile string) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s: no certificate", caFile)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Timeout: 15 * time.Second, Transport: t}, nil
}

// parseInterspersed parses flags that may come before or after the
// positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, config.Usage(err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
