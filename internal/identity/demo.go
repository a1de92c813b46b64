package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// EnsureDemoAccount creates, for `serve --demo`, a verified account with
// a role and a random password, which it returns once; an existing
// account is left alone (created is false). There are no fixed demo
// passwords: each installation gets its own.
func (s *Service) EnsureDemoAccount(ctx context.Context, email string, role authz.Role) (pw string, created bool, err error) {
	email, err = NormalizeEmail(email)
	if err != nil {
		return "", false, err
	}
	if _, err := s.AccountIDByEmail(ctx, email); err == nil {
		return "", false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", false, err
	}
	pw = demoPassword()
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return "", false, err
	}
	id := ids.New("acc")
	kind := "customer"
	if authz.StaffRole(role) {
		kind = "staff"
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.insertAccount(ctx, tx, id, kind, email, hash, now); err != nil {
			return err
		}
		if err := s.grant(ctx, tx, id, role, "demo", now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET email_verified_at = ? WHERE id = ?`, store.Micros(now), id); err != nil {
			return err
		}
		return s.record(ctx, tx, RequestMeta{RequestID: "demo"}, "system", "account.create", id, audit.Success,
			map[string]string{"role": string(role), "demo": "true"})
	})
	return pw, err == nil, err
}

// demoPassword is four random words' worth of letters: 20 characters
// from a 32-letter alphabet, 100 bits.
func demoPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 20)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}
