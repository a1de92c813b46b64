package keyring

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// DefaultBatch is Reencrypt's batch size when given 0.
const DefaultBatch = 500

// pass is the checkpoint of re-encrypting one column to one version, as
// stored in keyring_rotation_progress.
type pass struct {
	col         Column
	last        string // rows up to this ID are done
	done, total int64
	finished    bool
}

// Reencrypt re-seals under class c's current version every row of the
// registered columns of that class still sealed under an older version.
// It works through each column in ID order, batch rows per transaction,
// and records a checkpoint in the same transaction; after a crash or a
// cancelled context the next call resumes after the last committed batch.
// A row is rewritten only if it still holds the ciphertext that was read
// (UPDATE ... WHERE id = ? AND col = old), so a concurrent write wins.
//
// It first waits until the current version is older than the refresh
// interval: by then every node seals with it, so no old-version row can
// appear behind the scan. progress, if not nil, is called after each batch
// with rows processed and rows to process. Rows that do not open (moved
// or altered ciphertexts) are left as they are and reported at the end
// in an error wrapping ErrDecrypt, after every other row is done.
func (k *Keyring) Reencrypt(ctx context.Context, c Class, batch int, progress func(done, total int64)) error {
	if !sealed(c) {
		return fmt.Errorf("keyring: class %s has no data key to rotate", c)
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	target, err := k.latestVersion(ctx, k.db, c)
	if err != nil {
		return err
	}
	a, err := k.aead(ctx, keyID{c, target})
	if err != nil {
		return err
	}
	k.setCurrent(c, target)
	if err := k.settle(ctx, c, target); err != nil {
		return err
	}
	passes, err := k.loadPasses(ctx, c, target)
	if err != nil {
		return err
	}
	var done, total int64
	for _, p := range passes {
		done, total = done+p.done, total+p.total
	}
	report := func() {
		if progress != nil {
			progress(min(done, total), total)
		}
	}
	report()
	var bad []string
	worked := false
	for _, p := range passes {
		for !p.finished {
			n, failed, err := k.reencryptBatch(ctx, a, c, target, p, batch)
			if err != nil {
				return fmt.Errorf("keyring: re-encrypt %s: %w (run again to resume)", p.col, err)
			}
			worked = true
			done += n
			bad = append(bad, failed...)
			report()
		}
	}
	if worked {
		err := k.db.Tx(ctx, func(tx *store.Tx) error {
			return k.record(ctx, tx, ActionReencrypt, map[string]string{"class": c.String(),
				"version": strconv.FormatUint(uint64(target), 10), "rows": strconv.FormatInt(done, 10)})
		})
		if err != nil {
			return err
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %d rows left under their old key, first %s: restore them from a backup or erase them", ErrDecrypt, len(bad), bad[0])
	}
	return nil
}

// settle waits until every node has had a refresh interval to switch to
// version v.
func (k *Keyring) settle(ctx context.Context, c Class, v uint32) error {
	var created int64
	err := k.db.QueryRow(ctx, `SELECT created_at FROM keyring_data_keys WHERE class = ? AND version = ?`, c.String(), v).Scan(&created)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	wait := time.Until(store.FromMicros(created).Add(k.refresh))
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stale is the SQL condition for a ciphertext of class c under a version
// older than target, in column %[2]s; its two arguments come from
// staleArgs.
const stale = `%[2]s IS NOT NULL AND substr(%[2]s, 1, 2) = ? AND substr(%[2]s, 3, 4) < ?`

func staleArgs(c Class, target uint32) []any {
	return []any{[]byte{formatV1, byte(c)}, binary.BigEndian.AppendUint32(nil, target)}
}

// loadPasses reads or starts the checkpoint of each column of class c. A
// finished pass that finds old rows again (written by a node that had not
// yet switched, or left because they did not open) starts over.
func (k *Keyring) loadPasses(ctx context.Context, c Class, target uint32) ([]*pass, error) {
	var passes []*pass
	err := k.db.Tx(ctx, func(tx *store.Tx) error {
		passes = passes[:0]
		if _, err := tx.Exec(ctx, `DELETE FROM keyring_rotation_progress WHERE class = ? AND target_version < ?`, c.String(), target); err != nil {
			return err
		}
		for _, col := range k.Columns() {
			if col.Class != c {
				continue
			}
			p := &pass{col: col}
			var finished sql.NullInt64
			err := tx.QueryRow(ctx, `SELECT last_id, done, total, finished_at FROM keyring_rotation_progress
				WHERE class = ? AND target_version = ? AND table_name = ? AND column_name = ?`,
				c.String(), target, col.Table, col.Column).Scan(&p.last, &p.done, &p.total, &finished)
			fresh := errors.Is(err, sql.ErrNoRows)
			if err != nil && !fresh {
				return err
			}
			var remaining int64
			q := fmt.Sprintf(`SELECT COUNT(*) FROM %[1]s WHERE `+stale+` AND %[3]s > ?`, col.Table, col.Column, col.IDColumn)
			after := p.last
			if finished.Valid {
				after = ""
			}
			if err := tx.QueryRow(ctx, q, append(staleArgs(c, target), after)...).Scan(&remaining); err != nil {
				return err
			}
			now := store.Micros(time.Now())
			switch {
			case fresh:
				p.total = remaining
				_, err = tx.Exec(ctx, `INSERT INTO keyring_rotation_progress (class, target_version, table_name, column_name, last_id, done, total, updated_at)
					VALUES (?, ?, ?, ?, '', 0, ?, ?)`, c.String(), target, col.Table, col.Column, remaining, now)
			case finished.Valid && remaining == 0:
				p.finished = true
			default:
				if finished.Valid {
					p.last, p.done = "", 0
				}
				p.total = p.done + remaining
				_, err = tx.Exec(ctx, `UPDATE keyring_rotation_progress SET last_id = ?, done = ?, total = ?, finished_at = NULL, updated_at = ?
					WHERE class = ? AND target_version = ? AND table_name = ? AND column_name = ?`,
					p.last, p.done, p.total, now, c.String(), target, col.Table, col.Column)
			}
			if err != nil {
				return err
			}
			passes = append(passes, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("keyring: rotation checkpoint: %w", err)
	}
	return passes, nil
}

// reencryptBatch re-seals up to batch rows after p.last in one
// transaction with the checkpoint, and returns how many it processed and
// which did not open.
func (k *Keyring) reencryptBatch(ctx context.Context, a interface {
	Seal(dst, nonce, plaintext, ad []byte) []byte
}, c Class, target uint32, p *pass, batch int) (int64, []string, error) {
	type row struct {
		id string
		ct []byte
	}
	var (
		rows   []row
		failed []string
	)
	col := p.col
	err := k.db.Tx(ctx, func(tx *store.Tx) error {
		rows, failed = rows[:0], failed[:0]
		q := fmt.Sprintf(`SELECT %[3]s, %[2]s FROM %[1]s WHERE `+stale+` AND %[3]s > ? ORDER BY %[3]s LIMIT ?`,
			col.Table, col.Column, col.IDColumn)
		err := scanRows(ctx, tx, q, func(r *sql.Rows) error {
			var x row
			if err := r.Scan(&x.id, &x.ct); err != nil {
				return err
			}
			rows = append(rows, x)
			return nil
		}, append(staleArgs(c, target), p.last, batch)...)
		if err != nil {
			return err
		}
		upd := fmt.Sprintf(`UPDATE %[1]s SET %[2]s = ? WHERE %[3]s = ? AND %[2]s = ?`, col.Table, col.Column, col.IDColumn)
		for _, x := range rows {
			pt, err := k.Open(ctx, col.field(x.id), x.ct)
			if err != nil {
				failed = append(failed, fmt.Sprintf("%s %s=%s", col, col.IDColumn, x.id))
				continue
			}
			nct := seal(a, c, target, col.field(x.id), pt)
			if _, err := tx.Exec(ctx, upd, []byte(nct), x.id, x.ct); err != nil {
				return err
			}
		}
		last := p.last
		if len(rows) > 0 {
			last = rows[len(rows)-1].id
		}
		var fin any
		if len(rows) < batch {
			fin = store.Micros(time.Now())
		}
		_, err = tx.Exec(ctx, `UPDATE keyring_rotation_progress SET last_id = ?, done = done + ?, finished_at = ?, updated_at = ?
			WHERE class = ? AND target_version = ? AND table_name = ? AND column_name = ?`,
			last, len(rows), fin, store.Micros(time.Now()), c.String(), target, col.Table, col.Column)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	if len(rows) > 0 {
		p.last = rows[len(rows)-1].id
	}
	p.done += int64(len(rows))
	p.finished = len(rows) < batch
	return int64(len(rows)), failed, nil
}
