package store

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" driver: pure Go, no cgo
)

// sqlitePragmas apply to every connection. WAL lets readers run beside the
// single writer; busy_timeout makes a second process (the CLI beside a
// running server) wait for the lock rather than fail at once.
var sqlitePragmas = []string{
	"journal_mode(WAL)",
	"busy_timeout(10000)",
	"foreign_keys(1)",
	"synchronous(NORMAL)",
}

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("store: empty SQLite path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: SQLite path %q: %w", path, err)
	}
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("store: directory of SQLite database %s is missing", abs)
	}
	q := url.Values{}
	for _, p := range sqlitePragmas {
		q.Add("_pragma", p)
	}
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")

	w, err := sql.Open("sqlite", "file:"+abs+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite %s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)

	r, err := sql.Open("sqlite", "file:"+abs+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open SQLite %s: %w", abs, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{engine: SQLite, w: w, r: r, redacted: "sqlite:" + abs}, nil
}
