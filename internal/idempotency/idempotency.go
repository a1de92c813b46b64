// Package idempotency makes a retried state-changing API call have one
// effect. The first call with an Idempotency-Key runs and its response is
// kept (sealed: it may hold personal data); a retry with the same key and
// the same request gets that response again; the same key with a
// different request, or while the first call still runs, is a conflict.
//
// Keys are scoped to their owner (the account), so one client cannot
// replay or probe another's keys, and they are kept for 24 hours.
package idempotency

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
)

// Sentinel errors; the handler answers 409 to both (and 400 to ErrBadKey).
var (
	// ErrKeyReused: the key was used for a different request. The client
	// must pick a new key for a new request.
	ErrKeyReused = errors.New("idempotency: key already used for a different request")
	// ErrInProgress: the first request with this key has not finished;
	// retry later.
	ErrInProgress = errors.New("idempotency: a request with this key is still in progress")
	// ErrBadKey: the header is not 1 to 255 printable ASCII characters.
	ErrBadKey = errors.New("idempotency: key must be 1 to 255 printable ASCII characters")
)

// TTL is how long a key and its response are kept.
const TTL = 24 * time.Hour

// abandoned is how long a first call may run before its key is taken over
// (the process died mid-call; its transaction rolled back).
const abandoned = 2 * time.Minute

// Response is what a call answered.
type Response struct {
	Status int
	Body   []byte
}

// Store keeps keys and responses.
type Store struct {
	db   *store.DB
	keys *keyring.Keyring
	now  func() time.Time
}

// New returns a Store.
func New(db *store.DB, keys *keyring.Keyring) *Store {
	return &Store{db: db, keys: keys, now: time.Now}
}

// ValidKey reports whether k may be used as a key.
func ValidKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// RequestHash is what identifies a request for a key: method, path and
// body, length-prefixed so no two requests share a hash by concatenation.
func RequestHash(method, path string, body []byte) []byte {
	h := sha256.New()
	for _, p := range [][]byte{[]byte(method), []byte(path), body} {
		var n [8]byte
		for i, l := 0, uint64(len(p)); i < 8; i++ {
			n[i] = byte(l >> (56 - 8*i))
		}
		h.Write(n[:])
		h.Write(p)
	}
	return h.Sum(nil)
}

// Do runs fn once per (owner, key). replayed is true when the response
// comes from an earlier call. A response with a 5xx status is not kept,
// so the client may retry with the same key.
func (s *Store) Do(ctx context.Context, owner, key string, reqHash []byte, fn func() Response) (resp Response, replayed bool, err error) {
	if !ValidKey(key) {
		return Response{}, false, ErrBadKey
	}
	// The request hash is keyed before it is stored: a body may hold a
	// card number, and a plain SHA-256 of a few guessable fields could be
	// reversed offline by whoever reads the table.
	reqHash = s.keys.BlindIndex("idempotency-request", string(reqHash))
	now := s.now()
	claimed := false
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		claimed, resp, replayed = false, Response{}, false
		var (
			hash    []byte
			status  int
			body    []byte
			created int64
		)
		err := tx.QueryRow(ctx, `SELECT request_hash, status, response, created_at FROM idempotency_keys WHERE owner_id = ? AND key = ?`,
			owner, key).Scan(&hash, &status, &body, &created)
		switch err = store.NotFound(err); {
		case errors.Is(err, store.ErrNotFound):
			_, err = tx.Exec(ctx, `INSERT INTO idempotency_keys (owner_id, key, request_hash, status, created_at) VALUES (?, ?, ?, 0, ?)`,
				owner, key, reqHash, store.Micros(now))
			if store.IsUniqueViolation(err) {
				return ErrInProgress // a concurrent first call claimed it
			}
			claimed = err == nil
			return err
		case err != nil:
			return err
		}
		expired := now.Sub(store.FromMicros(created)) > TTL
		if subtle.ConstantTimeCompare(hash, reqHash) != 1 && !expired {
			return ErrKeyReused
		}
		if status == 0 && !expired && now.Sub(store.FromMicros(created)) < abandoned {
			return ErrInProgress
		}
		if status != 0 && !expired {
			plain, err := s.keys.Open(ctx, field(owner, key), keyring.Ciphertext(body))
			if err != nil {
				return err
			}
			resp, replayed = Response{Status: status, Body: plain}, true
			return nil
		}
		// Expired or abandoned: start afresh under this request.
		_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET request_hash = ?, status = 0, response = NULL, created_at = ? WHERE owner_id = ? AND key = ?`,
			reqHash, store.Micros(now), owner, key)
		claimed = err == nil
		return err
	})
	if err != nil || !claimed {
		return resp, replayed, err
	}
	resp = fn()
	if resp.Status >= 500 || resp.Status == 0 {
		_, err = s.db.Exec(ctx, `DELETE FROM idempotency_keys WHERE owner_id = ? AND key = ? AND status = 0`, owner, key)
		return resp, false, err
	}
	ct, err := s.keys.Seal(ctx, keyring.Confidential, field(owner, key), resp.Body)
	if err != nil {
		return resp, false, err
	}
	_, err = s.db.Exec(ctx, `UPDATE idempotency_keys SET status = ?, response = ? WHERE owner_id = ? AND key = ?`,
		resp.Status, []byte(ct), owner, key)
	return resp, false, err
}

// Purge deletes keys older than TTL.
func (s *Store) Purge(ctx context.Context) (int64, error) {
	res, err := s.db.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, store.Micros(s.now().Add(-TTL)))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// field binds a sealed response to its owner and key, so it cannot be
// replayed under another.
func field(owner, key string) keyring.Field {
	return keyring.Field{Table: "idempotency_keys", Column: "response", Row: owner + "\x00" + key}
}
