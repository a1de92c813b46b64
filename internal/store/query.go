package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Querier is what both DB and Tx offer, so a domain function can run
// inside or outside a transaction.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Engine() Engine
}

// Exec runs a statement outside any transaction.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.w.ExecContext(ctx, db.q(query), args...)
}

// Query runs a read-only query on the read pool.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, db.q(query), args...)
}

// QueryRow runs a read-only query that returns at most one row.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.r.QueryRowContext(ctx, db.q(query), args...)
}

// Tx is a write transaction.
type Tx struct {
	db *DB
	tx *sql.Tx
}

func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.q(query), args...)
}

func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.q(query), args...)
}

func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.q(query), args...)
}

// Engine reports the engine the transaction runs on.
func (tx *Tx) Engine() Engine { return tx.db.engine }

// maxAttempts bounds retries of a transaction that lost a serialization
// race on PostgreSQL or found SQLite busy past its timeout.
const maxAttempts = 5

// Tx runs fn in a write transaction and commits when fn returns nil. A
// transaction that fails for a transient reason (a serialization failure
// or deadlock on PostgreSQL, a busy database on SQLite) is retried with a
// short back-off, so fn must not have effects outside the transaction.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = db.tx1(ctx, fn)
		if err == nil || !isTransient(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
	}
	return err
}

func (db *DB) tx1(ctx context.Context, fn func(tx *Tx) error) (err error) {
	stx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(&Tx{db: db, tx: stx}); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// q rewrites '?' placeholders to PostgreSQL's $n. Question marks inside
// quoted strings, quoted identifiers and comments are left alone. Results
// are cached: the set of queries a program runs is small and fixed.
func (db *DB) q(query string) string {
	if db.engine != Postgres {
		return query
	}
	db.mu.RLock()
	out, ok := db.rebind[query]
	db.mu.RUnlock()
	if ok {
		return out
	}
	out = Rebind(query)
	db.mu.Lock()
	if len(db.rebind) < 10000 {
		db.rebind[query] = out
	}
	db.mu.Unlock()
	return out
}

// Rebind rewrites '?' placeholders as $1, $2, ... outside quotes and comments.
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(query))
			b.WriteString(query[i:end])
			i = end - 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ErrNotFound is returned by lookups that found nothing; callers answer 404.
var ErrNotFound = errors.New("not found")

// ErrConflict means the change collides with existing data (a unique key);
// callers answer 409 or re-show the form.
var ErrConflict = errors.New("conflict")

// NotFound maps sql.ErrNoRows to ErrNotFound and passes other errors on.
func NotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
