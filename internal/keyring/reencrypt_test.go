package keyring_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/keyring/keyringtest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// secrets is a test table with one sealed column.
var secrets = keyring.Column{Table: "test_secrets", Column: "secret_ct", IDColumn: "id", FieldColumn: "secret", Class: keyring.Confidential}

func fillSecrets(t *testing.T, db *store.DB, k *keyring.Keyring, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Exec(ctx, `CREATE TABLE test_secrets (id TEXT PRIMARY KEY, secret_ct BYTEA)`); err != nil {
		t.Fatal(err)
	}
	if err := k.RegisterColumn(secrets); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(tx *store.Tx) error {
		for i := range n {
			id := fmt.Sprintf("row_%03d", i)
			ct, err := k.SealString(ctx, keyring.Confidential, keyring.Field{Table: "test_secrets", Column: "secret", Row: id}, "secret "+id)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO test_secrets (id, secret_ct) VALUES (?, ?)`, id, []byte(ct)); err != nil {
				return err
			}
		}
		// A row without the field is skipped, not an error.
		_, err := tx.Exec(ctx, `INSERT INTO test_secrets (id, secret_ct) VALUES ('row_null', NULL)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readSecret(t *testing.T, db *store.DB, id string) keyring.Ciphertext {
	t.Helper()
	var ct []byte
	if err := db.QueryRow(context.Background(), `SELECT secret_ct FROM test_secrets WHERE id = ?`, id).Scan(&ct); err != nil {
		t.Fatal(err)
	}
	return ct
}

func rowsAt(t *testing.T, k *keyring.Keyring, c keyring.Class, v uint32) int64 {
	t.Helper()
	st, err := k.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Class == c && s.Version == v {
			return s.Rows
		}
	}
	t.Fatalf("no %s version %d", c, v)
	return 0
}

// A re-encryption killed half-way resumes where it stopped, and every row
// ends under the new version and opens.
func TestReencryptResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n, batch = 53, 10
		m := newMaster(t)
		log := &auditLog{}
		k := openKeyring(t, db, m)
		k.SetAudit(log.record)
		fillSecrets(t, db, k, n)
		if _, err := k.Rotate(context.Background(), keyring.Confidential); err != nil {
			t.Fatal(err)
		}
		if got := rowsAt(t, k, keyring.Confidential, 1); got != n {
			t.Fatalf("Status: %d rows at v1, want %d", got, n)
		}

		// First run: the context dies after two batches.
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := k.Reencrypt(ctx, keyring.Confidential, batch, func(done, total int64) {
			if total != n {
				t.Errorf("total = %d, want %d", total, n)
			}
			if calls++; calls == 3 { // the first call reports the start
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("killed run: %v, want context.Canceled", err)
		}
		if got := rowsAt(t, k, keyring.Confidential, 2); got != 2*batch {
			t.Fatalf("after the kill %d rows at v2, want %d", got, 2*batch)
		}

		// A new process resumes after the checkpoint.
		k2 := openKeyring(t, db, m)
		k2.SetAudit(log.record)
		if err := k2.RegisterColumn(secrets); err != nil {
			t.Fatal(err)
		}
		var first, last int64 = -1, 0
		err = k2.Reencrypt(context.Background(), keyring.Confidential, batch, func(done, total int64) {
			if first < 0 {
				first = done
			}
			last = done
		})
		if err != nil {
			t.Fatal(err)
		}
		if first != 2*batch || last != n {
			t.Fatalf("resumed at %d and ended at %d, want %d and %d", first, last, 2*batch, n)
		}
		for i := range n {
			id := fmt.Sprintf("row_%03d", i)
			ct := readSecret(t, db, id)
			if version(t, ct) != 2 {
				t.Fatalf("%s still at version %d", id, version(t, ct))
			}
			if s, err := k2.OpenString(context.Background(), keyring.Field{Table: "test_secrets", Column: "secret", Row: id}, ct); err != nil || s != "secret "+id {
				t.Fatalf("%s: %q %v", id, s, err)
			}
		}
		if rowsAt(t, k2, keyring.Confidential, 1) != 0 || rowsAt(t, k2, keyring.Confidential, 2) != n {
			t.Fatal("Status does not show every row at v2")
		}
		if got := log.actions[len(log.actions)-1]; got != keyring.ActionReencrypt {
			t.Fatalf("last audit action %q", got)
		}
		// Running again finds nothing to do.
		if err := k2.Reencrypt(context.Background(), keyring.Confidential, batch, nil); err != nil {
			t.Fatal(err)
		}

		t.Run("fail/ciphertext-moved-row-after-reencrypt", func(t *testing.T) {
			moved := readSecret(t, db, "row_001")
			if _, err := k2.Open(context.Background(), keyring.Field{Table: "test_secrets", Column: "secret", Row: "row_002"}, moved); !errors.Is(err, keyring.ErrDecrypt) {
				t.Fatalf("moved ciphertext opened: %v", err)
			}
		})
	})
}

// A row whose ciphertext was moved before rotation cannot be re-sealed: it
// is named in the error, left as it is, and every other row is done.
func TestReencryptReportsBadRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k := openKeyring(t, db, newMaster(t))
		fillSecrets(t, db, k, 5)
		moved := readSecret(t, db, "row_001")
		if _, err := db.Exec(ctx, `UPDATE test_secrets SET secret_ct = ? WHERE id = 'row_003'`, []byte(moved)); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Rotate(ctx, keyring.Confidential); err != nil {
			t.Fatal(err)
		}
		err := k.Reencrypt(ctx, keyring.Confidential, 2, nil)
		if !errors.Is(err, keyring.ErrDecrypt) || !bytes.Contains([]byte(err.Error()), []byte("row_003")) {
			t.Fatalf("Reencrypt = %v, want ErrDecrypt naming row_003", err)
		}
		if got := rowsAt(t, k, keyring.Confidential, 2); got != 4 {
			t.Fatalf("%d rows at v2, want 4", got)
		}
		if !bytes.Equal(readSecret(t, db, "row_003"), moved) {
			t.Fatal("the bad row was changed")
		}
	})
}

func TestRegisterColumn(t *testing.T) {
	k := openKeyring(t, storetest.Open(t, store.SQLite), newMaster(t))
	for _, tc := range []struct {
		name string
		c    keyring.Column
	}{
		{"fail/sql-in-table", keyring.Column{Table: "t; DROP TABLE accounts", Column: "c_ct", IDColumn: "id", FieldColumn: "c", Class: keyring.Confidential}},
		{"fail/quoted-column", keyring.Column{Table: "t", Column: `"c"`, IDColumn: "id", FieldColumn: "c", Class: keyring.Confidential}},
		{"fail/no-field-column", keyring.Column{Table: "t", Column: "c_ct", IDColumn: "id", Class: keyring.Confidential}},
		{"fail/public", keyring.Column{Table: "t", Column: "c_ct", IDColumn: "id", FieldColumn: "c", Class: keyring.Public}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := k.RegisterColumn(tc.c); err == nil {
				t.Fatal("registered")
			}
		})
	}
	ok := keyring.Column{Table: "t", Column: "c_ct", IDColumn: "id", FieldColumn: "c", Class: keyring.Confidential}
	if err := k.RegisterColumn(ok); err != nil {
		t.Fatal(err)
	}
	if err := k.RegisterColumn(ok); err == nil {
		t.Fatal("registered twice")
	}
}

// Rotating the master re-wraps the keys and leaves the rows as they were.
func TestRotateMaster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		oldM, newM := newMaster(t), newMaster(t)
		log := &auditLog{}
		k := openKeyring(t, db, oldM)
		k.SetAudit(log.record)
		fillSecrets(t, db, k, 3)
		if _, err := k.Rotate(ctx, keyring.Confidential); err != nil {
			t.Fatal(err)
		}
		before := readSecret(t, db, "row_000")
		pf := keyring.Field{Table: "addresses", Column: "line1", Row: "addr_1"}
		var personal keyring.Ciphertext
		err := db.Tx(ctx, func(tx *store.Tx) (err error) {
			if err = k.CreateSubjectKey(ctx, tx, "cust_1"); err == nil {
				personal, err = k.SealFor(ctx, tx, "cust_1", pf, []byte("1 Main St"))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		stale := openKeyring(t, db, oldM) // a node not yet restarted
		if err := k.RotateMaster(ctx, oldM); err == nil {
			t.Fatal("rotated to the same master")
		}
		if err := k.RotateMaster(ctx, newM); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(readSecret(t, db, "row_000"), before) {
			t.Fatal("RotateMaster changed a row")
		}
		if log.actions[len(log.actions)-1] != keyring.ActionRotateMaster {
			t.Fatalf("audit = %v", log.actions)
		}
		t.Run("fail/wrong-master-after-rotate-master", func(t *testing.T) {
			if _, err := keyring.Open(ctx, db, oldM); !errors.Is(err, keyring.ErrMasterKey) {
				t.Fatalf("old master: %v, want ErrMasterKey", err)
			}
		})
		t.Run("fail/stale-node-rotates", func(t *testing.T) {
			if _, err := stale.Rotate(ctx, keyring.Confidential); !errors.Is(err, keyring.ErrMasterKey) {
				t.Fatalf("a node on the old master rotated: %v", err)
			}
			err := db.Tx(ctx, func(tx *store.Tx) error { return stale.CreateSubjectKey(ctx, tx, "cust_2") })
			if !errors.Is(err, keyring.ErrMasterKey) {
				t.Fatalf("a node on the old master created a subject key: %v", err)
			}
		})
		k2 := openKeyring(t, db, newM)
		if s, err := k2.OpenString(ctx, keyring.Field{Table: "test_secrets", Column: "secret", Row: "row_000"}, before); err != nil || s != "secret row_000" {
			t.Fatalf("new master: %q %v", s, err)
		}
		if pt, err := k2.OpenFor(ctx, db, "cust_1", pf, personal); err != nil || string(pt) != "1 Main St" {
			t.Fatalf("subject key under new master: %q %v", pt, err)
		}
		if v, err := k.Rotate(ctx, keyring.Confidential); err != nil || v != 3 {
			t.Fatalf("Rotate after RotateMaster = %d, %v", v, err)
		}
		// And on to a transit master.
		tr := keyringtest.NewTransit(t, testToken)
		tm := transitMaster(t, tr, testToken, "citadel")
		if err := k2.RotateMaster(ctx, tm); err != nil {
			t.Fatal(err)
		}
		k3 := openKeyring(t, db, tm)
		if s, err := k3.OpenString(ctx, keyring.Field{Table: "test_secrets", Column: "secret", Row: "row_000"}, before); err != nil || s != "secret row_000" {
			t.Fatalf("transit master: %q %v", s, err)
		}
		if _, err := keyring.Open(ctx, db, newM); !errors.Is(err, keyring.ErrMasterKey) {
			t.Fatalf("previous master after the move to transit: %v", err)
		}
	})
}
