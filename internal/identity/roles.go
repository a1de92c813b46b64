package identity

import (
	"context"
	"fmt"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/store"
)

// GrantRole gives an account a role. The account's sessions are revoked:
// privileges change only through a fresh sign-in (and a new session ID).
func (s *Service) GrantRole(ctx context.Context, account string, role authz.Role, by string, m RequestMeta) error {
	if !role.Valid() {
		return fmt.Errorf("unknown role %q", role)
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.grant(ctx, tx, account, role, by, s.now()); err != nil {
			if store.IsUniqueViolation(err) {
				return fmt.Errorf("%w: the account already has role %s", store.ErrConflict, role)
			}
			return err
		}
		if err := s.revokeAll(ctx, tx, account); err != nil {
			return err
		}
		return s.record(ctx, tx, m, by, "role.grant", account, audit.Success, map[string]string{"role": string(role)})
	})
}

// RemoveRole takes a role away and revokes the account's sessions.
func (s *Service) RemoveRole(ctx context.Context, account string, role authz.Role, by string, m RequestMeta) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM account_roles WHERE account_id = ? AND role = ?`, account, string(role))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return store.ErrNotFound
		}
		if err := s.revokeAll(ctx, tx, account); err != nil {
			return err
		}
		return s.record(ctx, tx, m, by, "role.remove", account, audit.Success, map[string]string{"role": string(role)})
	})
}

func (s *Service) revokeAll(ctx context.Context, tx *store.Tx, account string) error {
	_, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL`, store.Micros(s.now()), account)
	return err
}
