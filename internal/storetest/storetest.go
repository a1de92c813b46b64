// Package storetest gives tests a fresh, migrated database of each engine:
// a new SQLite file per test, and a new PostgreSQL database per test in a
// throwaway cluster.
//
// The cluster comes from CITADEL_TEST_POSTGRES (an admin URL, set by the
// test script that starts one cluster for the whole run) or, when that is
// unset, is started on first use by this package (initdb + pg_ctl from
// Debian's postgresql package, on loopback and a free port) and stopped by
// Main. Packages that use PostgreSQL call Main from their TestMain.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// Engines lists the engines every storage test runs on.
var Engines = []store.Engine{store.SQLite, store.Postgres}

// Each runs fn as a subtest once per engine with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) { fn(t, Open(t, e)) })
	}
}

// Open returns a fresh migrated database of the given engine, closed (and
// on PostgreSQL dropped) when the test ends.
func Open(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	dsn := DSN(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// DSN returns the address of a new, empty database of the given engine
// that lives as long as the test: a file path or a postgres:// URL.
func DSN(t testing.TB, e store.Engine) string {
	t.Helper()
	switch e {
	case store.SQLite:
		return filepath.Join(t.TempDir(), "citadel.db")
	case store.Postgres:
		return NewPostgresDB(t)
	}
	t.Fatalf("storetest: unknown engine %q", e)
	return ""
}

var cluster struct {
	once  sync.Once
	admin string // URL of the admin database
	pg    *Cluster
	err   error
}

// Main runs the package's tests and stops the cluster this package may
// have started. Call it from TestMain: os.Exit(storetest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if cluster.pg != nil {
		cluster.pg.Stop()
	}
	return code
}

func adminURL() (string, error) {
	cluster.once.Do(func() {
		if u := os.Getenv("CITADEL_TEST_POSTGRES"); u != "" {
			cluster.admin = u
			return
		}
		cluster.pg, cluster.err = StartCluster()
		if cluster.err == nil {
			cluster.admin = cluster.pg.URL("postgres")
		}
	})
	return cluster.admin, cluster.err
}

// NewPostgresDB creates an empty database in the test cluster and returns
// its URL; the database is dropped when the test ends.
func NewPostgresDB(t testing.TB) string {
	t.Helper()
	admin, err := adminURL()
	if err != nil {
		t.Fatalf("storetest: PostgreSQL: %v", err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := store.Open(ctx, admin)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDB(admin, name)
}

// withDB replaces the database name in a postgres URL.
func withDB(u, name string) string {
	base, query, _ := strings.Cut(u, "?")
	i := strings.LastIndex(base, "/")
	if i < len("postgres://") {
		base += "/"
		i = len(base) - 1
	}
	out := base[:i+1] + name
	if query != "" {
		out += "?" + query
	}
	return out
}
