package keyring

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// ErrShredded means the subject's key was destroyed: their personal data
// is gone for good, as erasure intended.
var ErrShredded = errors.New("keyring: the subject's key was erased")

func subjectAD(subject string) []byte { return []byte("citadel subject key\x00" + subject) }

// CreateSubjectKey gives a subject (a customer) a key of their own, in the
// caller's transaction, so their personal data can later be erased by
// destroying it. A process still holding a master that RotateMaster
// replaced fails with ErrMasterKey rather than wrap a key under it.
func (k *Keyring) CreateSubjectKey(ctx context.Context, tx *store.Tx, subject string) error {
	raw := make([]byte, 32)
	rand.Read(raw)
	m := k.masterKey()
	if err := k.checkMaster(ctx, tx, m); err != nil {
		return err
	}
	wrapped, err := m.Wrap(ctx, raw, subjectAD(subject))
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO keyring_subject_keys (subject_id, wrapped, master_id, created_at) VALUES (?, ?, ?, ?)`,
		subject, wrapped, m.ID(), store.Micros(time.Now()))
	return err
}

func (k *Keyring) subjectAEAD(ctx context.Context, q store.Querier, subject string) (interface {
	Seal(dst, nonce, plaintext, ad []byte) []byte
	Open(dst, nonce, ciphertext, ad []byte) ([]byte, error)
}, error) {
	var wrapped []byte
	err := q.QueryRow(ctx, `SELECT wrapped FROM keyring_subject_keys WHERE subject_id = ?`, subject).Scan(&wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrShredded
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	raw, err := k.masterKey().Unwrap(ctx, wrapped, subjectAD(subject))
	if err != nil {
		return nil, err
	}
	return newAEAD(raw)
}

// SealFor encrypts a subject's personal field under their own key. The
// field's Row should identify the subject's record; the subject is bound
// in as well.
func (k *Keyring) SealFor(ctx context.Context, q store.Querier, subject string, f Field, plaintext []byte) (Ciphertext, error) {
	a, err := k.subjectAEAD(ctx, q, subject)
	if err != nil {
		return nil, err
	}
	f.Row = subject + "\x00" + f.Row
	return seal(a, personal, 0, f, plaintext), nil
}

// OpenFor decrypts a subject's personal field; after Shred it fails with
// ErrShredded.
func (k *Keyring) OpenFor(ctx context.Context, q store.Querier, subject string, f Field, ct Ciphertext) ([]byte, error) {
	c, _, err := parseHeader(ct)
	if err != nil || c != personal {
		return nil, ErrDecrypt
	}
	a, err := k.subjectAEAD(ctx, q, subject)
	if err != nil {
		return nil, err
	}
	f.Row = subject + "\x00" + f.Row
	return open(a, f, ct)
}

// Shred destroys a subject's key in the caller's transaction: every field
// sealed for them becomes unreadable, in the database and in every backup.
func (k *Keyring) Shred(ctx context.Context, tx *store.Tx, subject string) error {
	_, err := tx.Exec(ctx, `DELETE FROM keyring_subject_keys WHERE subject_id = ?`, subject)
	return err
}
