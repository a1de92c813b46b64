// Package app builds Citadel from its configuration: it is the one place
// that wires config -> store -> services -> handlers, and it runs the
// listeners until a signal stops them.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/identity/password"
	"github.com/citadel-store/citadel/internal/notify"
	"github.com/citadel-store/citadel/internal/pki"
	"github.com/citadel-store/citadel/internal/store"
)

// caWorkFactor is the scrypt cost (log2) protecting the CA keys at rest.
// Tests lower it through Options to stay fast.
const caWorkFactor = 18

// Options tune the build for tests; the zero value is production.
type Options struct {
	CAWorkFactor int
	// TestRoutes, when set, adds handlers to the public mux (tests use it
	// for slow and panicking handlers).
	TestRoutes func(mux *http.ServeMux)
	// PasswordParams replaces argon2id's production cost.
	PasswordParams *password.Params
	// InsecureSMTP lets tests send to a loopback SMTP server without TLS.
	InsecureSMTP bool
	// SMS replaces the configured text-message sender.
	SMS notify.SMSSender
	// LoadTest lifts the rate limits, for load generators only.
	LoadTest bool
}

// prepareDataDir creates the data directory (0700) and proves it writable,
// so a bad --data stops start-up with one clear line.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s: %w", dir, errors.Unwrap(err))
	}
	probe, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable", dir)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// openStore opens and migrates the database.
func openStore(ctx context.Context, c config.Common) (*store.DB, error) {
	db, err := store.Open(ctx, c.DSN())
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// caDir is where the CA lives inside the data directory.
func caDir(data string) string { return filepath.Join(data, "ca") }

// openCA loads the CA from the data directory, creating it on first start.
func openCA(data string, passphrase config.Secret, o Options) (*pki.CA, bool, error) {
	wf := o.CAWorkFactor
	if wf == 0 {
		wf = caWorkFactor
	}
	return pki.LoadOrCreate(pki.Options{
		Dir:        caDir(data),
		Passphrase: []byte(passphrase),
		WorkFactor: wf,
	})
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
