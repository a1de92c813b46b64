package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// Purposes of single-use links.
const (
	purposeVerify = "verify_email"
	purposeReset  = "reset_password"
	purposeEnrol  = "enrol"
	purposeUnlock = "unlock"
)

// newToken stores a single-use token for account and purpose and returns
// its secret, which only the email carries; the database keeps its hash.
// Older unused tokens of the same purpose are invalidated.
func (s *Service) newToken(ctx context.Context, tx *store.Tx, account, purpose string, ttl time.Duration) (string, error) {
	now := s.now()
	if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = ? WHERE account_id = ? AND purpose = ? AND used_at IS NULL`,
		store.Micros(now), account, purpose); err != nil {
		return "", err
	}
	secret := ids.Token(32)
	_, err := tx.Exec(ctx, `INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
		hashSecret(secret), account, purpose, store.Micros(now.Add(ttl)), store.Micros(now))
	return secret, err
}

// useToken consumes a token inside tx and returns its account. Expired,
// used, unknown and wrong-purpose tokens all give ErrInvalidToken.
func (s *Service) useToken(ctx context.Context, tx *store.Tx, secret, purpose string) (string, error) {
	if len(secret) < 20 || len(secret) > 100 {
		return "", ErrInvalidToken
	}
	var account string
	var expires int64
	err := tx.QueryRow(ctx, `SELECT account_id, expires_at FROM account_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL`, hashSecret(secret), purpose).Scan(&account, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrInvalidToken
	}
	if err != nil {
		return "", err
	}
	now := s.now()
	if now.After(store.FromMicros(expires)) {
		return "", ErrInvalidToken
	}
	// The WHERE used_at IS NULL makes a concurrent second use a no-op.
	res, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, store.Micros(now), hashSecret(secret))
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", ErrInvalidToken
	}
	return account, nil
}
