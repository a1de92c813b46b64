// Package keyring encrypts Citadel's data at rest by class of data.
//
// A master key (a local key file, an environment variable, or an external
// KMS behind the Master interface) wraps data keys; each data class has its
// own data keys, in versions, stored wrapped in the database. Every
// confidential or restricted field is sealed with AES-256-GCM under its
// class's current key, with the table, column and row bound in as
// associated data, so a ciphertext copied to another row or column does
// not decrypt. Lookups on encrypted fields use keyed blind indexes, and
// personal data can be sealed under a per-customer key whose deletion
// erases it everywhere at once (crypto-shredding).
//
// Keys rotate without downtime: Rotate adds a data-key version that Seal
// uses at once (other nodes within WithRefresh's interval), Reencrypt
// moves older rows to it in resumable batches over the columns given to
// RegisterColumn, and RotateMaster re-wraps the data keys under a new
// master without touching rows. The master can live in HashiCorp Vault or
// OpenBao (NewTransitMaster). Each key operation is recorded through the
// AuditFunc given to SetAudit, in the transaction that performs it.
package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// Class is a class of data, from least to most sensitive.
type Class uint8

const (
	Public       Class = 1 // catalog: not encrypted
	Internal     Class = 2 // order metadata
	Confidential Class = 3 // names, addresses, phone numbers, email and IP addresses
	Restricted   Class = 4 // card vault, MFA secrets, payout details, private keys
	// index is the class of the blind-index key, never of a field.
	index Class = 15
	// personal marks ciphertexts under a per-customer key.
	personal Class = 16
)

var classNames = map[Class]string{Public: "public", Internal: "internal", Confidential: "confidential",
	Restricted: "restricted", index: "index", personal: "personal"}

func (c Class) String() string {
	if n, ok := classNames[c]; ok {
		return n
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// ParseClass reads a class name as the CLI takes it.
func ParseClass(s string) (Class, error) {
	for c, n := range classNames {
		if n == s && c != index && c != personal {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unknown data class %q: want public, internal, confidential or restricted", s)
}

// Keyring holds the unwrapped data keys in memory.
type Keyring struct {
	db      *store.DB
	refresh time.Duration

	mu      sync.RWMutex
	master  Master
	current map[Class]uint32
	checked map[Class]time.Time // when Seal last looked for a newer version
	keys    map[keyID]cipher.AEAD
	blind   []byte
	columns []Column
	audit   AuditFunc
}

// Option adjusts a Keyring at Open.
type Option func(*Keyring)

// DefaultRefresh is how often Seal looks in the database for a data-key
// version that another node created (see Rotate).
const DefaultRefresh = 30 * time.Second

// WithRefresh sets how often Seal looks for a newer key version, and so
// how long Reencrypt waits after a rotation before it scans. Tests and
// single-node tools may set 0: look every time, never wait.
func WithRefresh(d time.Duration) Option { return func(k *Keyring) { k.refresh = max(d, 0) } }

type keyID struct {
	class   Class
	version uint32
}

// Open loads the data keys, creating version 1 of each class on first use.
// A master key that cannot unwrap the stored keys fails with ErrMasterKey.
func Open(ctx context.Context, db *store.DB, m Master, opts ...Option) (*Keyring, error) {
	k := &Keyring{db: db, master: m, refresh: DefaultRefresh, current: map[Class]uint32{},
		checked: map[Class]time.Time{}, keys: map[keyID]cipher.AEAD{}}
	for _, o := range opts {
		o(k)
	}
	for _, c := range []Class{Internal, Confidential, Restricted, index} {
		if err := k.ensureClass(ctx, c); err != nil {
			return nil, err
		}
	}
	raw, err := k.unwrapStored(ctx, index, 1)
	if err != nil {
		return nil, err
	}
	k.blind = raw
	return k, nil
}

// ensureClass makes sure class c has a key and loads its newest version.
func (k *Keyring) ensureClass(ctx context.Context, c Class) error {
	var v sql.NullInt64
	if err := k.db.QueryRow(ctx, `SELECT MAX(version) FROM keyring_data_keys WHERE class = ?`, c.String()).Scan(&v); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if !v.Valid {
		if err := k.db.Tx(ctx, func(tx *store.Tx) error { return k.insertKey(ctx, tx, c, 1) }); err != nil {
			if !store.IsUniqueViolation(err) { // another node created it first
				return err
			}
		}
		v.Int64 = 1
	}
	if _, err := k.aead(ctx, keyID{c, uint32(v.Int64)}); err != nil {
		return err
	}
	k.setCurrent(c, uint32(v.Int64))
	return nil
}

// setCurrent moves class c's current version forward, never back.
func (k *Keyring) setCurrent(c Class, v uint32) {
	k.mu.Lock()
	if v > k.current[c] {
		k.current[c] = v
	}
	k.checked[c] = time.Now()
	k.mu.Unlock()
}

// masterKey returns the master in use; RotateMaster replaces it.
func (k *Keyring) masterKey() Master {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.master
}

// insertKey generates a data key and stores it wrapped under the master.
func (k *Keyring) insertKey(ctx context.Context, tx *store.Tx, c Class, version uint32) error {
	raw := make([]byte, 32)
	rand.Read(raw)
	m := k.masterKey()
	wrapped, err := m.Wrap(ctx, raw, wrapAD(c, version))
	if err != nil {
		return fmt.Errorf("keyring: wrap: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO keyring_data_keys (class, version, wrapped, master_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		c.String(), version, wrapped, m.ID(), store.Micros(time.Now()))
	return err
}

func wrapAD(c Class, version uint32) []byte {
	return fmt.Appendf(nil, "citadel data key\x00%s\x00%d", c, version)
}

func (k *Keyring) unwrapStored(ctx context.Context, c Class, version uint32) ([]byte, error) {
	var wrapped []byte
	err := k.db.QueryRow(ctx, `SELECT wrapped FROM keyring_data_keys WHERE class = ? AND version = ?`, c.String(), version).Scan(&wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no %s key version %d", ErrDecrypt, c, version)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return k.masterKey().Unwrap(ctx, wrapped, wrapAD(c, version))
}

// aead returns the cipher of a key version, loading it on first use (a
// version another node created after this one started).
func (k *Keyring) aead(ctx context.Context, id keyID) (cipher.AEAD, error) {
	k.mu.RLock()
	a, ok := k.keys[id]
	k.mu.RUnlock()
	if ok {
		return a, nil
	}
	raw, err := k.unwrapStored(ctx, id.class, id.version)
	if err != nil {
		return nil, err
	}
	a, err = newAEAD(raw)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.keys[id] = a
	k.mu.Unlock()
	return a, nil
}

func newAEAD(raw []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// MasterID names the master key in use.
func (k *Keyring) MasterID() string { return k.masterKey().ID() }
