// Package store opens Citadel's database, embedded SQLite or PostgreSQL,
// applies the embedded migrations and runs transactions.
//
// Every difference between the two engines lives in this package: queries
// elsewhere are written once, with '?' placeholders, and this package
// rewrites them for PostgreSQL. Times are stored as BIGINT microseconds
// since the Unix epoch, UTC (see Micros), so the same column types and
// comparisons work on both engines.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open database. It is safe for concurrent use.
//
// On SQLite there are two pools: one connection that writes (every
// transaction begins IMMEDIATE, so writers queue on the lock instead of
// failing on upgrade) and several that only read, which WAL lets run
// beside the writer. On PostgreSQL both are the same pool.
type DB struct {
	engine   Engine
	w, r     *sql.DB
	redacted string

	mu     sync.RWMutex
	rebind map[string]string
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL
// for PostgreSQL, otherwise a path (optionally prefixed "sqlite:") to a
// SQLite file, created when missing. It checks that the database answers
// within the context's deadline (or 10 s) but applies no migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		db  *DB
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err = openPostgres(dsn)
	case dsn == "":
		return nil, errors.New("store: no database given")
	default:
		db, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
	}
	if err != nil {
		return nil, err
	}
	db.rebind = make(map[string]string)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: database %s does not answer: %w", db.redacted, err)
	}
	return db, nil
}

// Engine reports which engine this database runs on.
func (db *DB) Engine() Engine { return db.engine }

// String names the database without any password.
func (db *DB) String() string { return db.redacted }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return err
	}
	if db.r != db.w {
		return db.r.PingContext(ctx)
	}
	return nil
}

// Close closes every connection. On SQLite it first checkpoints the WAL
// so the database file is complete on its own.
func (db *DB) Close() error {
	if db.engine == SQLite {
		_, _ = db.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Micros converts a time to the stored form: microseconds since the Unix
// epoch, UTC.
func Micros(t time.Time) int64 { return t.UTC().UnixMicro() }

// FromMicros converts a stored time back to a UTC time.Time.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
