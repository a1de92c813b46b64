package keyring

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"regexp"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// Column is a database column that holds ciphertexts sealed by Seal, so
// that Reencrypt and Status know where they live. Each row's ciphertext
// was sealed for Field{Table, FieldColumn, <IDColumn's value>}.
type Column struct {
	Table       string // e.g. "accounts"
	Column      string // the stored column, e.g. "email_ct"
	IDColumn    string // a unique TEXT column naming the row, e.g. "id"
	FieldColumn string // the Field's Column the rows were sealed for, e.g. "email"
	Class       Class  // the class the column is sealed under
}

func (c Column) String() string { return c.Table + "." + c.Column }

func (c Column) field(id string) Field { return Field{Table: c.Table, Column: c.FieldColumn, Row: id} }

// Table and column names go into SQL text, so only plain identifiers.
var ident = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// RegisterColumn tells the keyring about a sealed column. Columns are
// fixed by the schema, so the application registers them once at start.
func (k *Keyring) RegisterColumn(c Column) error {
	for _, s := range []string{c.Table, c.Column, c.IDColumn} {
		if !ident.MatchString(s) {
			return fmt.Errorf("keyring: column %s: %q is not a plain SQL identifier", c, s)
		}
	}
	if c.FieldColumn == "" {
		return fmt.Errorf("keyring: column %s: FieldColumn is required", c)
	}
	if !sealed(c.Class) {
		return fmt.Errorf("keyring: column %s: class %s is not sealed", c, c.Class)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, have := range k.columns {
		if have.Table == c.Table && have.Column == c.Column {
			return fmt.Errorf("keyring: column %s registered twice", c)
		}
	}
	k.columns = append(k.columns, c)
	return nil
}

// Columns lists the registered columns in registration order.
func (k *Keyring) Columns() []Column {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return append([]Column(nil), k.columns...)
}

// VersionStatus describes one data-key version.
type VersionStatus struct {
	Class     Class
	Version   uint32
	Current   bool // the newest version of its class: new writes use it
	CreatedAt time.Time
	Age       time.Duration
	MasterID  string // the master that wraps it
	Rows      int64  // ciphertexts under it in the registered columns
}

// Status lists every data-key version, oldest first within each class,
// with the number of rows in the registered columns sealed under it. It
// counts by the ciphertext header inside the database (one grouped scan
// per column), so no row leaves it.
func (k *Keyring) Status(ctx context.Context) ([]VersionStatus, error) {
	var out []VersionStatus
	now := time.Now()
	err := scanRows(ctx, k.db, `SELECT class, version, master_id, created_at FROM keyring_data_keys ORDER BY class, version`, func(r *sql.Rows) error {
		var s VersionStatus
		var class string
		var version, created int64
		if err := r.Scan(&class, &version, &s.MasterID, &created); err != nil {
			return err
		}
		s.Class, _ = classByName(class)
		s.Version, s.CreatedAt = uint32(version), store.FromMicros(created)
		s.Age = now.Sub(s.CreatedAt).Truncate(time.Second)
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	counts := map[keyID]int64{}
	for _, c := range k.Columns() {
		q := fmt.Sprintf(`SELECT substr(%[2]s, 1, %[3]d), COUNT(*) FROM %[1]s WHERE %[2]s IS NOT NULL GROUP BY substr(%[2]s, 1, %[3]d)`,
			c.Table, c.Column, headerLen)
		err := scanRows(ctx, k.db, q, func(r *sql.Rows) error {
			var h []byte
			var n int64
			if err := r.Scan(&h, &n); err != nil {
				return err
			}
			if len(h) == headerLen && h[0] == formatV1 {
				counts[keyID{Class(h[1]), binary.BigEndian.Uint32(h[2:])}] += n
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("keyring: count %s: %w", c, err)
		}
	}
	for i := range out {
		s := &out[i]
		s.Rows = counts[keyID{s.Class, s.Version}]
		s.Current = i+1 == len(out) || out[i+1].Class != s.Class
	}
	return out, nil
}
