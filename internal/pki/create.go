package pki

import (
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

type stagedFile struct {
	name string
	data []byte
	mode os.FileMode
}

// create generates a new CA and moves it into l.dir in one rename. The
// root key is sealed to disk and dropped here; it never outlives this call.
func create(opts Options, l layout, st dirState) (*CA, error) {
	pass, src, err := resolvePassphrase(opts, l.path(passphraseFile), true)
	if err != nil {
		return nil, err
	}
	defer wipe(pass)
	if err := os.MkdirAll(l.parent, 0o700); err != nil {
		return nil, err
	}
	h, err := newHierarchy(opts.Organization, opts.Now().UTC())
	if err != nil {
		return nil, err
	}
	rootSealed, err := sealKey(h.rootKey, pass, opts.WorkFactor)
	h.rootKey = nil
	if err != nil {
		return nil, err
	}
	interSealed, err := sealKey(h.interKey, pass, opts.WorkFactor)
	if err != nil {
		return nil, err
	}
	files := []stagedFile{
		{rootKeyFile, rootSealed, 0o600},
		{interKeyFile, interSealed, 0o600},
		{rootCertFile, certPEM(h.root.Raw), 0o644},
		{interCertFile, certPEM(h.inter.Raw), 0o644},
	}
	switch {
	case src == generated:
		files = append(files, stagedFile{passphraseFile, pass, 0o600})
	case st == dirNoCA:
		// Carry an operator's passphrase file over unchanged, even when
		// Options.Passphrase overrode it: the swap must not lose a file.
		path := l.path(passphraseFile)
		if _, err := os.Lstat(path); err == nil {
			old, err := readLimited(path, maxPassphraseFile)
			if err != nil {
				return nil, err
			}
			files = append(files, stagedFile{passphraseFile, old, 0o600})
		}
	}
	staging, err := stage(l, files)
	if err != nil {
		return nil, err
	}
	if err := commit(l, staging, st); err != nil {
		_ = os.RemoveAll(staging)
		return nil, err
	}
	return newCA(opts, h.root, h.inter, h.interKey), nil
}

// stage writes files into a fresh directory beside l.dir and flushes them
// to disk, so the rename that follows publishes complete files only.
func stage(l layout, files []stagedFile) (dir string, err error) {
	dir, err = os.MkdirTemp(l.parent, l.stagingPrefix())
	if err != nil {
		return "", fmt.Errorf("make staging dir: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", err
	}
	for _, f := range files {
		if err := writeSynced(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return "", err
		}
	}
	return dir, syncDir(dir)
}

// commit publishes the staging directory as l.dir. When l.dir exists (it
// is empty or holds only a passphrase file) it is first renamed aside to
// l.previous(), because rename cannot replace a non-empty directory;
// layout.recover finishes or undoes a swap cut short.
func commit(l layout, staging string, st dirState) error {
	if st == dirMissing {
		if err := os.Rename(staging, l.dir); err != nil {
			return fmt.Errorf("publish CA: %w", err)
		}
		return syncDir(l.parent)
	}
	prev := l.previous()
	if err := os.Rename(l.dir, prev); err != nil {
		return fmt.Errorf("move empty CA dir aside (is it a mount point?): %w", err)
	}
	if err := os.Rename(staging, l.dir); err != nil {
		if rerr := os.Rename(prev, l.dir); rerr != nil {
			return fmt.Errorf("publish CA: %w (and restoring %s failed: %w)", err, prev, rerr)
		}
		return fmt.Errorf("publish CA: %w", err)
	}
	if err := syncDir(l.parent); err != nil {
		return err
	}
	return os.RemoveAll(prev)
}

func writeSynced(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	// Set the mode exactly, whatever the umask, so the layout on disk is
	// the same on every machine.
	return os.Chmod(path, mode)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
