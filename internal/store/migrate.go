package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are embedded SQL files named NNNN_name.sql (for both engines)
// or NNNN_name.sqlite.sql and NNNN_name.postgres.sql (one per engine, where
// the dialects differ). They only go up; each runs in its own transaction
// and is recorded in schema_migrations.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew means the database was migrated by a newer Citadel than
// this binary: the operator must run the newer binary (or restore).
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// Migration is one step of the schema.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the migrations for an engine in order.
func Migrations(e Engine) ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]Migration{}
	for _, ent := range entries {
		name := strings.TrimSuffix(ent.Name(), ".sql")
		engine := ""
		if base, ok := strings.CutSuffix(name, ".sqlite"); ok {
			name, engine = base, string(SQLite)
		} else if base, ok := strings.CutSuffix(name, ".postgres"); ok {
			name, engine = base, string(Postgres)
		}
		if engine != "" && engine != string(e) {
			continue
		}
		num, label, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %s is not named NNNN_name.sql", ent.Name())
		}
		body, err := migrationFS.ReadFile(path.Join("migrations", ent.Name()))
		if err != nil {
			return nil, err
		}
		if prev, dup := byVersion[v]; dup {
			return nil, fmt.Errorf("store: migrations %s and %s share version %d", prev.Name, label, v)
		}
		byVersion[v] = Migration{Version: v, Name: label, SQL: string(body)}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: migration %d is missing", i+1)
		}
	}
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// SchemaStatus reports the database's schema version and the newest one
// this binary knows.
func (db *DB) SchemaStatus(ctx context.Context) (current, latest int, err error) {
	ms, err := Migrations(db.engine)
	if err != nil {
		return 0, 0, err
	}
	latest = len(ms)
	current, err = db.schemaVersion(ctx, db)
	return current, latest, err
}

func (db *DB) schemaVersion(ctx context.Context, q Querier) (int, error) {
	var exists bool
	var err error
	if db.engine == Postgres {
		err = q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists)
	} else {
		var n int
		err = q.QueryRow(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
		exists = n > 0
	}
	if err != nil || !exists {
		return 0, err
	}
	var v int
	err = q.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Migrate applies every migration the database lacks and returns the
// versions it applied. A database whose schema is newer than this binary
// is refused with ErrSchemaTooNew and left untouched. Several processes may
// call Migrate at once: on PostgreSQL an advisory lock, on SQLite the
// write lock, lets one of them apply each step.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	ms, err := Migrations(db.engine)
	if err != nil {
		return nil, err
	}
	current, err := db.schemaVersion(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("store: read schema version: %w", err)
	}
	if current > len(ms) {
		return nil, fmt.Errorf("%w: database is at version %d, this binary knows up to %d", ErrSchemaTooNew, current, len(ms))
	}
	var applied []int
	for _, m := range ms[current:] {
		did := false
		err := db.Tx(ctx, func(tx *Tx) error {
			did = false
			if db.engine == Postgres {
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7261001)`); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, createMigrationsTable); err != nil {
				return err
			}
			v, err := db.schemaVersion(ctx, tx)
			if err != nil {
				return err
			}
			if v >= m.Version { // another process got there first
				return nil
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			did = true
			_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, Micros(time.Now()))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("store: migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if did {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}
