package keyring

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// AuditFunc records a key operation in the transaction that performs it,
// so the operation and its audit event commit or fail together. The
// keyring cannot import the audit package (which uses the keyring), so
// the application connects the two with this hook. Detail holds
// identifiers only, never key material.
type AuditFunc func(ctx context.Context, tx *store.Tx, action string, detail map[string]string) error

// Audit actions recorded through the AuditFunc.
const (
	ActionRotate       = "key.rotate"        // a new data-key version
	ActionReencrypt    = "key.reencrypt"     // rows re-sealed under the current version
	ActionRotateMaster = "key.rotate_master" // data and subject keys re-wrapped
)

// SetAudit installs the hook that records key operations. Without one,
// operations are not audited: the application must install it before
// offering any key operation.
func (k *Keyring) SetAudit(fn AuditFunc) {
	k.mu.Lock()
	k.audit = fn
	k.mu.Unlock()
}

func (k *Keyring) record(ctx context.Context, tx *store.Tx, action string, detail map[string]string) error {
	k.mu.RLock()
	fn := k.audit
	k.mu.RUnlock()
	if fn == nil {
		return nil
	}
	if err := fn(ctx, tx, action, detail); err != nil {
		return fmt.Errorf("keyring: audit %s: %w", action, err)
	}
	return nil
}

// sealed reports whether fields of class c are encrypted with data keys.
func sealed(c Class) bool { return c == Internal || c == Confidential || c == Restricted }

// currentVersion is the version Seal uses. At most once per refresh
// interval per class it asks the database whether another node rotated
// the class: one indexed MAX query every 30 s rather than per Seal. If
// that query fails, Seal keeps the version it has; an older version is
// still a valid key, and the next interval asks again.
func (k *Keyring) currentVersion(ctx context.Context, c Class) uint32 {
	k.mu.Lock()
	v := k.current[c]
	stale := time.Since(k.checked[c]) >= k.refresh
	if stale {
		k.checked[c] = time.Now() // one caller looks; the others go on
	}
	k.mu.Unlock()
	if !stale {
		return v
	}
	latest, err := k.latestVersion(ctx, k.db, c)
	if err != nil || latest <= v {
		return v
	}
	if _, err := k.aead(ctx, keyID{c, latest}); err != nil {
		return v
	}
	k.setCurrent(c, latest)
	return latest
}

func (k *Keyring) latestVersion(ctx context.Context, q store.Querier, c Class) (uint32, error) {
	var v sql.NullInt64
	if err := q.QueryRow(ctx, `SELECT MAX(version) FROM keyring_data_keys WHERE class = ?`, c.String()).Scan(&v); err != nil {
		return 0, fmt.Errorf("keyring: %w", err)
	}
	return uint32(v.Int64), nil
}

// Rotate creates the next data-key version of class c; Seal on this node
// uses it at once, other nodes within their refresh interval. Rows sealed
// under older versions still open; Reencrypt moves them to the new one.
// When another node rotates the same class at the same moment, one of the
// two wins and the other gets store.ErrConflict: nothing to undo, the
// class has its new version.
func (k *Keyring) Rotate(ctx context.Context, c Class) (uint32, error) {
	if !sealed(c) {
		return 0, fmt.Errorf("keyring: class %s has no data key to rotate", c)
	}
	cur, err := k.latestVersion(ctx, k.db, c)
	if err != nil {
		return 0, err
	}
	next := cur + 1
	err = k.db.Tx(ctx, func(tx *store.Tx) error {
		if err := k.checkMaster(ctx, tx, k.masterKey()); err != nil {
			return err
		}
		// The primary key (class, version) lets only one node insert next.
		if err := k.insertKey(ctx, tx, c, next); err != nil {
			return err
		}
		return k.record(ctx, tx, ActionRotate, map[string]string{"class": c.String(), "version": strconv.FormatUint(uint64(next), 10)})
	})
	if store.IsUniqueViolation(err) {
		return 0, fmt.Errorf("%w: another node rotated %s to version %d at the same time", store.ErrConflict, c, next)
	}
	if err != nil {
		return 0, err
	}
	if _, err := k.aead(ctx, keyID{c, next}); err != nil {
		return 0, err
	}
	k.setCurrent(c, next)
	return next, nil
}

// checkMaster refuses to add a key wrapped by a master other than the
// one that wraps the stored keys: after RotateMaster every node must be
// restarted with the new master, and a node still on the old one must
// not write a key the new master cannot open. The index key's version 1
// always exists and RotateMaster re-wraps it with the rest.
func (k *Keyring) checkMaster(ctx context.Context, tx *store.Tx, m Master) error {
	var id string
	err := tx.QueryRow(ctx, `SELECT master_id FROM keyring_data_keys WHERE class = ? AND version = 1`, index.String()).Scan(&id)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if id != m.ID() {
		return fmt.Errorf("%w: the keys are wrapped by %s, this process holds %s: restart it with the current master key", ErrMasterKey, id, m.ID())
	}
	return nil
}

// RotateMaster re-wraps every data key and every subject key under
// newMaster, in one transaction: rows sealed with the data keys are not
// touched. Afterwards only newMaster opens the keyring; every other node
// must be restarted with it, and the old master is still needed to read
// backups taken before. Each re-wrapped key is unwrapped again with
// newMaster before commit, so a master that cannot read back what it
// wrapped changes nothing. With a transit master this makes three calls
// per key, subject keys included: plan for it with many customers.
func (k *Keyring) RotateMaster(ctx context.Context, newMaster Master) error {
	old := k.masterKey()
	if newMaster.ID() == old.ID() {
		return errors.New("keyring: the new master key is the one in use")
	}
	var nData, nSubject int
	err := k.db.Tx(ctx, func(tx *store.Tx) error {
		type row struct {
			id      []any
			ad      []byte
			wrapped []byte
		}
		var rows []row
		if err := scanRows(ctx, tx, `SELECT class, version, wrapped FROM keyring_data_keys ORDER BY class, version`, func(r *sql.Rows) error {
			var class string
			var version int64
			var w []byte
			if err := r.Scan(&class, &version, &w); err != nil {
				return err
			}
			c, ok := classByName(class)
			if !ok {
				return fmt.Errorf("keyring: unknown class %q in keyring_data_keys", class)
			}
			rows = append(rows, row{[]any{class, version}, wrapAD(c, uint32(version)), w})
			return nil
		}); err != nil {
			return err
		}
		nData = len(rows)
		if err := scanRows(ctx, tx, `SELECT subject_id, wrapped FROM keyring_subject_keys ORDER BY subject_id`, func(r *sql.Rows) error {
			var subject string
			var w []byte
			if err := r.Scan(&subject, &w); err != nil {
				return err
			}
			rows = append(rows, row{[]any{subject}, subjectAD(subject), w})
			return nil
		}); err != nil {
			return err
		}
		nSubject = len(rows) - nData
		for i, r := range rows {
			raw, err := old.Unwrap(ctx, r.wrapped, r.ad)
			if err != nil {
				return err
			}
			w, err := newMaster.Wrap(ctx, raw, r.ad)
			if err != nil {
				return fmt.Errorf("keyring: wrap under the new master: %w", err)
			}
			if back, err := newMaster.Unwrap(ctx, w, r.ad); err != nil || string(back) != string(raw) {
				return fmt.Errorf("keyring: the new master does not read back what it wrapped: %v", err)
			}
			q := `UPDATE keyring_data_keys SET wrapped = ?, master_id = ? WHERE class = ? AND version = ?`
			if i >= nData {
				q = `UPDATE keyring_subject_keys SET wrapped = ?, master_id = ? WHERE subject_id = ?`
			}
			if _, err := tx.Exec(ctx, q, append([]any{w, newMaster.ID()}, r.id...)...); err != nil {
				return fmt.Errorf("keyring: %w", err)
			}
		}
		return k.record(ctx, tx, ActionRotateMaster, map[string]string{"old_master": old.ID(), "new_master": newMaster.ID(),
			"data_keys": strconv.Itoa(nData), "subject_keys": strconv.Itoa(nSubject)})
	})
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.master = newMaster
	k.mu.Unlock()
	return nil
}

// scanRows reads every row before the caller writes: on SQLite a
// transaction has one connection, which an open result set would hold.
func scanRows(ctx context.Context, q store.Querier, query string, fn func(*sql.Rows) error, args ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	return nil
}

func classByName(s string) (Class, bool) {
	for c, n := range classNames {
		if n == s {
			return c, true
		}
	}
	return 0, false
}
