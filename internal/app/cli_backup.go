package app

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"github.com/citadel-store/citadel/internal/money"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"

	"github.com/citadel-store/citadel/internal/backup"
	"github.com/citadel-store/citadel/internal/config"
)

const backupUsage = `usage: citadel backup <command> [flags]

  create --out FILE [--recipient age1...]...    snapshot, encrypt, sign
  verify FILE [--identity F] [--pubkey K]       check signature and checksums
  restore FILE --data EMPTYDIR [--db URL] --pubkey K [--identity F]

Encryption: to age X25519 recipients (--recipient), and/or to the
passphrase in CITADEL_BACKUP_PASSPHRASE. The signing key is
<data>/backup-signing.key (created at the first backup); its public half,
<data>/backup-signing.key.pub, is what verify and restore check against.
The keyring's master key is never in a backup: keep it separately.
`

func cmdBackup(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, backupUsage)
		return usageErr("missing backup command")
	}
	sub := args[0]
	fs := flag.NewFlagSet("backup "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "backup file to write")
	var recips []string
	fs.Func("recipient", "age X25519 recipient (repeatable)", func(v string) error { recips = append(recips, v); return nil })
	identity := fs.String("identity", "", "age identity file that can decrypt the backup")
	pubkey := fs.String("pubkey", "", "backup public key (text or file); default <data>/backup-signing.key.pub")
	c, pos, err := config.ParseCommon(fs, args[1:], env)
	if err != nil {
		return err
	}
	pass := env("CITADEL_BACKUP_PASSPHRASE")
	switch sub {
	case "create":
		if len(pos) > 0 || *out == "" {
			return usageErr("create takes --out FILE and no argument")
		}
		var rs []age.Recipient
		for _, r := range recips {
			x, err := age.ParseX25519Recipient(r)
			if err != nil {
				return usageErr("--recipient %q: %v", r, err)
			}
			rs = append(rs, x)
		}
		if pass != "" {
			sr, err := age.NewScryptRecipient(pass)
			if err != nil {
				return err
			}
			rs = append(rs, sr)
		}
		if len(rs) == 0 {
			return usageErr("give --recipient or CITADEL_BACKUP_PASSPHRASE")
		}
		if pass != "" && len(rs) > 1 {
			return usageErr("age cannot mix a passphrase with other recipients: choose one")
		}
		key, err := backup.LoadOrCreateKey(filepath.Join(c.Data, "backup-signing.key"))
		if err != nil {
			return err
		}
		db, err := openStore(ctx, c)
		if err != nil {
			return err
		}
		defer db.Close()
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		m, err := backup.Create(ctx, f, backup.Source{DB: db, DSN: c.DB, DataDir: c.Data}, rs, key, progressTo(stderr))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out)
			return err
		}
		fmt.Fprintf(stdout, "backup %s: %s database at schema %d, %d files\nverify with: %s\n", *out, m.Engine, m.SchemaVersion,
			len(m.Files), backup.EncodePublicKey(key.Public().(ed25519.PublicKey)))
		return nil
	case "verify", "restore":
		if len(pos) != 1 {
			return usageErr("%s takes the backup file", sub)
		}
		if *pubkey == "" {
			*pubkey = filepath.Join(c.Data, "backup-signing.key.pub")
		}
		pub, err := backup.ParsePublicKey(*pubkey)
		if err != nil {
			return err
		}
		ids, err := backupIdentities(*identity, pass)
		if err != nil {
			return err
		}
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		if sub == "verify" {
			m, err := backup.Verify(f, ids, pub)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "backup %s is intact and signed by the backup key: %s database, schema %d, taken %s, %d files\n",
				pos[0], m.Engine, m.SchemaVersion, m.CreatedAt, len(m.Files))
			return nil
		}
		m, err := backup.Restore(ctx, f, ids, pub, backup.Target{DataDir: c.Data, DSN: c.DB})
		if err != nil {
			return err
		}
		db, err := openStore(ctx, c)
		if err != nil {
			return fmt.Errorf("restored, but the database does not open: %w", err)
		}
		defer db.Close()
		cur, latest, err := db.SchemaStatus(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "restored %s database (schema %d of %d) into %s\n", m.Engine, cur, latest, c.Data)
		switch {
		case cur < ledgerSchema:
			fmt.Fprintln(stdout, "ledger check: the backup predates the ledger (schema < 18); nothing to check")
		default:
			if err := money.Check(ctx, db); err != nil {
				return fmt.Errorf("restored, but the ledger check failed: %w", err)
			}
			fmt.Fprintln(stdout, "ledger check: every entry balanced, every balance equal to its lines, escrow equal to the orders it holds")
		}
		if vkey, err := os.ReadFile(auditKeyPath(c.Data) + ".pub"); err == nil {
			verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
			if err != nil {
				return err
			}
			bad, err := verifyAuditLog(ctx, c, db, verifier, stderr)
			if err != nil {
				return err
			}
			if bad >= 0 {
				return fmt.Errorf("restored, but the audit log differs from its checkpoints at index %d", bad)
			}
			fmt.Fprintln(stdout, "audit log verification: every entry matches its signed checkpoints")
		} else {
			fmt.Fprintln(stdout, "audit log verification: no checkpoint key in the backup")
		}
		fmt.Fprintln(stdout, "start the store with the same master key as before (CITADEL_MASTER_KEY or --master-key-file)")
		return nil
	}
	fmt.Fprint(stderr, backupUsage)
	return usageErr("unknown backup command %q", sub)
}

func backupIdentities(identityFile, pass string) ([]age.Identity, error) {
	var ids []age.Identity
	if identityFile != "" {
		f, err := os.Open(identityFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		parsed, err := age.ParseIdentities(f)
		if err != nil {
			return nil, fmt.Errorf("--identity: %w", err)
		}
		ids = append(ids, parsed...)
	}
	if pass != "" {
		si, err := age.NewScryptIdentity(pass)
		if err != nil {
			return nil, err
		}
		ids = append(ids, si)
	}
	if len(ids) == 0 {
		return nil, usageErr("give --identity or CITADEL_BACKUP_PASSPHRASE to decrypt the backup")
	}
	return ids, nil
}

// progressTo prints progress on a terminal (a line per stage elsewhere).
func progressTo(w io.Writer) backup.Progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	last := ""
	return func(stage string, done, total int64) {
		switch {
		case tty && total > 0:
			fmt.Fprintf(w, "\r%s: %d of %d bytes", stage, done, total)
			if done == total {
				fmt.Fprintln(w)
			}
		case stage != last:
			fmt.Fprintf(w, "%s...\n", strings.TrimSpace(stage))
		}
		last = stage
	}
}

// backupSchedule builds serve's scheduled backups from the configuration.
func (s *Server) backupSchedule() (backup.Schedule, error) {
	var rs []age.Recipient
	if s.cfg.BackupRecipient != "" {
		r, err := age.ParseX25519Recipient(s.cfg.BackupRecipient)
		if err != nil {
			return backup.Schedule{}, fmt.Errorf("--backup-recipient: %v", err)
		}
		rs = append(rs, r)
	} else {
		r, err := age.NewScryptRecipient(string(s.cfg.BackupPassphrase))
		if err != nil {
			return backup.Schedule{}, err
		}
		rs = append(rs, r)
	}
	key, err := backup.LoadOrCreateKey(filepath.Join(s.cfg.Data, "backup-signing.key"))
	if err != nil {
		return backup.Schedule{}, err
	}
	dir := s.cfg.BackupDir
	if dir == "" {
		dir = filepath.Join(s.cfg.Data, "backups")
	}
	return backup.Schedule{Dir: dir, Every: s.cfg.BackupEvery, Daily: s.cfg.BackupDaily, Weekly: s.cfg.BackupWeekly,
		Source: backup.Source{DB: s.db, DSN: s.cfg.DB, DataDir: s.cfg.Data}, Recipients: rs, Key: key, Log: s.log}, nil
}

// ledgerSchema is the migration that created the ledger.
const ledgerSchema = 18
