package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestMigrateBothEngines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cur, latest, err := db.SchemaStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur != latest || latest < 1 {
			t.Fatalf("schema %d of %d after Migrate", cur, latest)
		}
		// A second Migrate applies nothing.
		applied, err := db.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second Migrate applied %v, err %v", applied, err)
		}
		// The tables exist and take the same parameterized queries.
		_, err = db.Exec(ctx, `INSERT INTO pki_certificates (serial, kind, subject, not_before, not_after, issued_at) VALUES (?, ?, ?, ?, ?, ?)`,
			"abc", "server", "localhost", 1, 2, store.Micros(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		var subject string
		if err := db.QueryRow(ctx, `SELECT subject FROM pki_certificates WHERE serial = ?`, "abc").Scan(&subject); err != nil || subject != "localhost" {
			t.Fatalf("read back %q, %v", subject, err)
		}
	})
}

func TestSchemaTooNewIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, latest, _ := db.SchemaStatus(ctx)
		if _, err := db.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from-the-future', 0)`, latest+1); err != nil {
			t.Fatal(err)
		}
		_, err := db.Migrate(ctx)
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("Migrate on a newer schema: %v, want ErrSchemaTooNew", err)
		}
		if !strings.Contains(err.Error(), "version") {
			t.Fatalf("error does not say which version: %v", err)
		}
	})
}

func TestTxRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE pki_crl_number SET number = number + 1`); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx returned %v", err)
		}
		var n int
		db.QueryRow(ctx, `SELECT number FROM pki_crl_number`).Scan(&n)
		if n != 0 {
			t.Fatalf("rolled-back change is visible: number = %d", n)
		}
	})
}

// Concurrent read-modify-write transactions must not lose updates on
// either engine: SQLite serializes writers, PostgreSQL row-locks.
func TestConcurrentTransactions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.Tx(ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(ctx, `UPDATE pki_crl_number SET number = number + 1 WHERE id = 1`)
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var got int
		db.QueryRow(ctx, `SELECT number FROM pki_crl_number`).Scan(&got)
		if got != n {
			t.Fatalf("counter = %d, want %d", got, n)
		}
	})
}

func TestUniqueViolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := `INSERT INTO pki_certificates (serial, kind, subject, not_before, not_after, issued_at) VALUES ('dup', 'server', 'x', 0, 0, 0)`
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
		_, err := db.Exec(ctx, q)
		if !store.IsUniqueViolation(err) {
			t.Fatalf("second insert: %v, want a unique violation", err)
		}
	})
}

func TestSQLiteIsWAL(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	var mode string
	if err := db.QueryRow(context.Background(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
}

func TestOpenFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name, dsn, want string
	}{
		{"fail/empty", "", "no database"},
		{"fail/missing-directory", filepath.Join(t.TempDir(), "nope", "x.db"), "missing"},
		{"fail/postgres-not-answering", "postgres://u:secretpw@127.0.0.1:1/db?connect_timeout=2", "does not answer"},
		{"fail/postgres-garbage", "postgres://%zz", "does not parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.Open(ctx, tc.dsn)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open(%q) = %v, want error containing %q", tc.dsn, err, tc.want)
			}
			if strings.Contains(err.Error(), "secretpw") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                           `SELECT 1`,
		`a = ? AND b = ?`:                    `a = $1 AND b = $2`,
		`x = '?' AND y = ?`:                  `x = '?' AND y = $1`,
		`x = 'it''s ?' AND y = ?`:            `x = 'it''s ?' AND y = $1`,
		`"we?ird" = ? -- what?` + "\n" + `?`: `"we?ird" = $1 -- what?` + "\n" + `$2`,
	} {
		if got := store.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRebind(f *testing.F) {
	f.Add(`SELECT ? FROM t WHERE a = '?' -- ?`)
	f.Add(`'unterminated ?`)
	f.Fuzz(func(t *testing.T, q string) {
		out := store.Rebind(q)
		if strings.Count(out, "?") > strings.Count(q, "?") {
			t.Fatal("Rebind added question marks")
		}
	})
}
