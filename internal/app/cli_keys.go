package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
	"github.com/citadel-store/citadel/internal/store"
)

const keysUsage = `usage: citadel keys <command> [flags]

  status                            each data-key version, its age and how many rows use it
  rotate --class C [--batch N]      new data-key version for class C (internal, confidential,
                                    restricted), then re-encrypt older rows to it
  reencrypt --class C [--batch N]   resume a re-encryption that stopped (crash, Ctrl-C)
  rotate-master --new-key-file F    re-wrap every key under the master key in F (mode 0600);
                                    rows are not touched
`

// cmdKeys runs the key-management commands. Every operation is recorded in
// the audit log in the transaction that performs it.
func cmdKeys(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return usageErr("missing keys command")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	class := fs.String("class", "", "data class: internal, confidential or restricted")
	batch := fs.Int("batch", keyring.DefaultBatch, "rows re-encrypted per transaction (1 to 100000)")
	newKey := fs.String("new-key-file", "", "rotate-master: file holding the new master key")
	settle := fs.Duration("settle", keyring.DefaultRefresh, "how long running servers take to notice a new key version; re-encryption waits this long after rotating (0 when no server runs)")
	c, pos, err := config.ParseCommon(fs, args, env)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	var cls keyring.Class
	switch sub {
	case "status":
	case "rotate", "reencrypt":
		if cls, err = keyring.ParseClass(*class); err != nil {
			return usageErr("--class: %v", err)
		}
		if cls == keyring.Public {
			return usageErr("--class public: public data is not encrypted, there is no key to rotate")
		}
		if *batch < 1 || *batch > 100000 {
			return usageErr("--batch %d: want 1 to 100000", *batch)
		}
	case "rotate-master":
		if *newKey == "" {
			return usageErr("rotate-master needs --new-key-file F")
		}
	default:
		fmt.Fprint(stderr, keysUsage)
		return usageErr("unknown keys command %q", sub)
	}
	if *settle < 0 {
		return usageErr("--settle %s: want 0 or more", *settle)
	}
	if c.DB == "" {
		if _, err := os.Stat(c.DSN()); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no database in %s: start `citadel serve` once to create it", c.Data)
		}
	}
	db, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := openMaster(c, false, stderr)
	if err != nil {
		return err
	}
	k, err := keyring.Open(ctx, db, m, keyring.WithRefresh(*settle))
	if err != nil {
		return err
	}
	rec := audit.NewRecorder(k)
	k.SetAudit(func(ctx context.Context, tx *store.Tx, action string, detail map[string]string) error {
		return rec.Record(ctx, tx, audit.Event{Actor: "system", Action: action, Outcome: audit.Success, RequestID: "cli", Detail: detail})
	})
	if err := registerSealedColumns(k); err != nil {
		return err
	}

	switch sub {
	case "status":
		return keysStatus(ctx, k, stdout)
	case "rotate":
		v, err := k.Rotate(ctx, cls)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s key version %d; new writes use it\n", cls, v)
		if *settle > 0 {
			fmt.Fprintf(stdout, "waiting %s for running servers to switch to it, then re-encrypting older rows\n", *settle)
		}
		return keysReencrypt(ctx, k, cls, *batch, stdout, stderr)
	case "reencrypt":
		return keysReencrypt(ctx, k, cls, *batch, stdout, stderr)
	case "rotate-master":
		nm, err := keyring.LoadMasterFile(*newKey)
		if err != nil {
			return err
		}
		old := k.MasterID()
		if err := k.RotateMaster(ctx, nm); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "re-wrapped every key under %s (was %s); no row was changed.\n"+
			"Now restart every server with the new key (--master-key-file %s or CITADEL_MASTER_KEY): the old key no longer opens the keyring,\n"+
			"and until restarted a server cannot create new keys. Keep the old key, offline, as long as backups taken before now.\n",
			nm.ID(), old, *newKey)
		return nil
	}
	return nil
}

// registerSealedColumns lists every column that holds keyring ciphertexts,
// so rotation finds them. A new sealed column must be added here.
func registerSealedColumns(k *keyring.Keyring) error {
	for _, c := range []keyring.Column{
		{Table: "accounts", Column: "email_ct", IDColumn: "id", FieldColumn: "email", Class: keyring.Confidential},
		{Table: "accounts", Column: "password_ct", IDColumn: "id", FieldColumn: "password", Class: keyring.Restricted},
		{Table: "sessions", Column: "ip_ct", IDColumn: "handle", FieldColumn: "ip", Class: keyring.Confidential},
		{Table: "audit_outbox", Column: "ip_ct", IDColumn: "id", FieldColumn: "ip", Class: keyring.Confidential},
		{Table: "mfa_totp", Column: "secret_ct", IDColumn: "account_id", FieldColumn: "secret", Class: keyring.Restricted},
		{Table: "email_changes", Column: "new_email_ct", IDColumn: "account_id", FieldColumn: "new_email", Class: keyring.Confidential},
		order.SealedColumn,
	} {
		if err := k.RegisterColumn(c); err != nil {
			return err
		}
	}
	for _, c := range payment.SealedColumns {
		if err := k.RegisterColumn(c); err != nil {
			return err
		}
	}
	return nil
}

func keysStatus(ctx context.Context, k *keyring.Keyring, stdout io.Writer) error {
	st, err := k.Status(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLASS\tVERSION\tCREATED\tAGE\tROWS\tMASTER")
	for _, s := range st {
		v := fmt.Sprint(s.Version)
		if s.Current {
			v += " (current)"
		}
		rows := fmt.Sprint(s.Rows)
		if s.Class.String() == "index" {
			rows = "-" // the blind-index key seals no rows
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Class, v, s.CreatedAt.Format(time.RFC3339), formatAge(s.Age), rows, s.MasterID)
	}
	return tw.Flush()
}

func formatAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return d.Truncate(time.Second).String()
	}
}

func keysReencrypt(ctx context.Context, k *keyring.Keyring, cls keyring.Class, batch int, stdout, stderr io.Writer) error {
	var last int64 = -1
	tty := isTerminal(stderr)
	err := k.Reencrypt(ctx, cls, batch, func(done, total int64) {
		switch {
		case tty:
			fmt.Fprintf(stderr, "\r%d/%d", done, total)
		case total > 0 && (last < 0 || done*10/total > last*10/total || done == total) && done != last:
			fmt.Fprintf(stderr, "re-encrypted %d/%d rows (%d%%)\n", done, total, done*100/total)
		}
		last = done
	})
	if tty && last >= 0 {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("stopped: %w; resume with `citadel keys reencrypt --class %s`", err, cls)
		}
		return err
	}
	fmt.Fprintf(stdout, "every %s row is sealed under the current key\n", cls)
	return nil
}

// isTerminal reports whether w is a terminal, where progress redraws one
// line instead of printing many.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
