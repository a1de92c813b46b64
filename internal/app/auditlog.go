package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/citadel-store/citadel/internal/audit/tlog"
	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/store"
)

// auditOrigin names the log in its checkpoints: the store's host.
func auditOrigin(baseURL string) string {
	host := strings.TrimPrefix(strings.TrimPrefix(baseURL, "https://"), "http://")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host + "/citadel/audit"
}

func auditKeyPath(data string) string { return filepath.Join(data, "audit-checkpoint.key") }

// openAuditLog opens the Merkle log over the outbox with the checkpoint
// key (created at first start).
func (s *Server) openAuditLog(baseURL string) (*tlog.Log, error) {
	signer, _, err := tlog.LoadOrCreateKey(auditKeyPath(s.cfg.Data), auditOrigin(baseURL))
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint key: %w", err)
	}
	return tlog.New(s.db, signer.Name(), signer, tlog.Options{OnError: func(err error) { s.log.Error("audit sequencer", "err", err) }})
}

// publicAudit serves checkpoints, proofs and hash tiles to anyone (what
// witnesses and tlog clients need to verify the log) but not the entry
// bundles, which name accounts and actions: those are on the admin
// listener.
func publicAudit(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/audit/tile/entries") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// cmdAudit: `citadel audit verify` recomputes the tree from the stored
// entries and checks every checkpoint; it names the first bad index.
func cmdAudit(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "proof" {
		return cmdAuditProof(ctx, args[1:], env, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "watch" {
		return cmdAuditWatch(ctx, args[1:], env, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: citadel audit verify|proof N|watch URL [flags]")
		return usageErr("unknown or missing audit command")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "checkpoint verifier key (default <data>/audit-checkpoint.key.pub)")
	c, pos, err := config.ParseCommon(fs, args[1:], env)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	if *keyFile == "" {
		*keyFile = auditKeyPath(c.Data) + ".pub"
	}
	vkey, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("checkpoint verifier key: %w", err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		return fmt.Errorf("checkpoint verifier key %s: %w", *keyFile, err)
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	bad, err := verifyAuditLog(ctx, c, db, verifier, stderr)
	if err != nil {
		return err
	}
	if bad >= 0 {
		return fmt.Errorf("the audit log differs from its checkpoints at index %d", bad)
	}
	fmt.Fprintln(stdout, "audit log verified: every entry matches the tree and every checkpoint is signed and consistent")
	return nil
}

func verifyAuditLog(ctx context.Context, _ config.Common, db *store.DB, v note.Verifier, stderr io.Writer) (int64, error) {
	last := time.Now()
	bad, err := tlog.Verify(ctx, db, v, func(done, total int64) {
		if time.Since(last) > 500*time.Millisecond || done == total {
			fmt.Fprintf(stderr, "\rverified %d of %d entries", done, total)
			last = time.Now()
		}
	})
	fmt.Fprintln(stderr)
	if err != nil && bad < 0 {
		return bad, err
	}
	if err != nil {
		fmt.Fprintf(stderr, "first problem: %v\n", err)
	}
	return bad, nil
}
