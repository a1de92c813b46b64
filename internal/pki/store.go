package pki

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The files of a CA directory.
const (
	rootCertFile   = "root.pem"
	rootKeyFile    = "root.key.age"
	interCertFile  = "intermediate.pem"
	interKeyFile   = "intermediate.key.age"
	passphraseFile = "passphrase"
)

func caFiles() []string {
	return []string{rootCertFile, rootKeyFile, interCertFile, interKeyFile}
}

// LoadOrCreate opens the CA in opts.Dir, or creates it when the directory
// is missing, empty, or holds only a passphrase file. created reports
// which happened.
//
// The passphrase is opts.Passphrase when non-empty. Otherwise Dir/passphrase
// is read; it must be a regular file of mode 0600 or stricter. Otherwise,
// and only when creating, 32 random bytes in base64url are generated and
// written to Dir/passphrase with mode 0600.
//
// Creation is atomic: the files are written to a staging directory beside
// Dir and renamed into place, so a start interrupted at any point leaves
// either no CA (the next start creates one) or a complete one. A directory
// that holds some CA files but not all is never recreated: its keys may
// be the only copy, so it is reported as ErrCorrupt naming the missing file.
//
// It must not run concurrently on the same Dir (one process starts the
// CA): recovery removes staging directories it takes to be abandoned.
//
// On load only the intermediate key is decrypted; the root key file is
// checked to be present and never opened. A wrong passphrase wraps
// ErrBadPassphrase.
func LoadOrCreate(opts Options) (ca *CA, created bool, err error) {
	opts, err = withDefaults(opts)
	if err != nil {
		return nil, false, err
	}
	l, err := newLayout(opts.Dir)
	if err != nil {
		return nil, false, err
	}
	if err := l.recover(); err != nil {
		return nil, false, err
	}
	st, err := l.inspect()
	if err != nil {
		return nil, false, err
	}
	if st == dirHasCA {
		ca, err := load(opts, l)
		if err != nil {
			return nil, false, fmt.Errorf("load CA: %w", err)
		}
		return ca, false, nil
	}
	ca, err = create(opts, l, st)
	if err != nil {
		return nil, false, fmt.Errorf("create CA in %s: %w", l.dir, err)
	}
	return ca, true, nil
}

func withDefaults(opts Options) (Options, error) {
	if opts.Dir == "" {
		return opts, errors.New("pki: Options.Dir is empty")
	}
	if opts.WorkFactor == 0 {
		opts.WorkFactor = defaultWorkFactor
	}
	if opts.WorkFactor < 1 || opts.WorkFactor > maxWorkFactor {
		return opts, fmt.Errorf("pki: WorkFactor %d outside 1..%d", opts.WorkFactor, maxWorkFactor)
	}
	if opts.Organization == "" {
		opts.Organization = defaultOrg
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts, nil
}

// layout names the CA directory and its two transient siblings: staging
// directories (".<base>.staging-*") where a new CA is written, and
// ".<base>.previous", where an existing empty Dir waits while the staged
// one is renamed over it.
type layout struct{ dir, parent, base string }

func newLayout(dir string) (layout, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return layout{}, fmt.Errorf("pki: CA dir %q: %w", dir, err)
	}
	parent, base := filepath.Split(abs)
	if base == "" {
		return layout{}, fmt.Errorf("pki: CA dir %q cannot be a file system root", dir)
	}
	return layout{dir: abs, parent: filepath.Clean(parent), base: base}, nil
}

func (l layout) path(name string) string { return filepath.Join(l.dir, name) }
func (l layout) previous() string        { return filepath.Join(l.parent, "."+l.base+".previous") }
func (l layout) stagingPrefix() string   { return "." + l.base + ".staging-" }

// recover undoes what an interrupted creation left behind: staging
// directories are removed, and a Dir moved aside for the swap is moved
// back (or dropped, when the swap did complete).
func (l layout) recover() error {
	entries, err := os.ReadDir(l.parent)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pki: read %s: %w", l.parent, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), l.stagingPrefix()) {
			if err := os.RemoveAll(filepath.Join(l.parent, e.Name())); err != nil {
				return fmt.Errorf("pki: remove stale staging dir: %w", err)
			}
		}
	}
	prev := l.previous()
	if _, err := os.Lstat(prev); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	st, err := l.inspect()
	switch {
	case err != nil:
		return err
	case st == dirMissing:
		if err := os.Rename(prev, l.dir); err != nil {
			return fmt.Errorf("pki: restore %s: %w", prev, err)
		}
		return nil
	case st == dirHasCA:
		return os.RemoveAll(prev)
	default:
		return fmt.Errorf("pki: both %s and %s exist without a CA; remove the one not wanted", l.dir, prev)
	}
}

type dirState int

const (
	dirMissing dirState = iota
	dirNoCA             // exists, empty or holding only a passphrase file
	dirHasCA            // holds at least one CA file
)

func (l layout) inspect() (dirState, error) {
	fi, err := os.Lstat(l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return dirMissing, nil
	}
	if err != nil {
		return 0, fmt.Errorf("pki: %w", err)
	}
	if !fi.IsDir() {
		return 0, fmt.Errorf("pki: %s is not a directory", l.dir)
	}
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return 0, fmt.Errorf("pki: %w", err)
	}
	var others []string
	for _, e := range entries {
		for _, f := range caFiles() {
			if e.Name() == f {
				return dirHasCA, nil
			}
		}
		if e.Name() != passphraseFile {
			others = append(others, e.Name())
		}
	}
	if len(others) > 0 {
		return 0, fmt.Errorf("pki: %s holds no CA but other files (%s); refusing to create one there",
			l.dir, strings.Join(others, ", "))
	}
	return dirNoCA, nil
}
