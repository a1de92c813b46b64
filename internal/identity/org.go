package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// ErrClientCertRequired means the account's organization requires a
// client certificate that this request did not present (or that is
// revoked or bound to someone else). Sign-in shows the generic
// ErrInvalidCredentials instead, so nothing is revealed.
var ErrClientCertRequired = errors.New("a valid client certificate is required")

// CreateOrg creates a business organization.
func (s *Service) CreateOrg(ctx context.Context, name string, requireCert, requirePasskey bool, m RequestMeta) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 || !utf8.ValidString(name) {
		return "", errors.New("organization name: 1 to 200 characters of text")
	}
	id := ids.New("org")
	req, pk := 0, 0
	if requireCert {
		req = 1
	}
	if requirePasskey {
		pk = 1
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO orgs (id, name, require_client_cert, require_passkey, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, name, req, pk, store.Micros(s.now())); err != nil {
			return err
		}
		return s.record(ctx, tx, m, "system", "org.create", id, audit.Success,
			map[string]string{"require_client_cert": fmt.Sprint(requireCert), "require_passkey": fmt.Sprint(requirePasskey)})
	})
	return id, err
}

// SetOrg makes an account a member of an organization.
func (s *Service) SetOrg(ctx context.Context, account, org string, m RequestMeta) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE accounts SET org_id = ?, kind = 'business', updated_at = ? WHERE id = ?
			AND EXISTS (SELECT 1 FROM orgs WHERE id = ?)`, org, store.Micros(s.now()), account, org)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return store.ErrNotFound
		}
		return s.record(ctx, tx, m, "system", "org.member_added", account, audit.Success, map[string]string{"org": org})
	})
}

// AccountIDByEmail finds an account for operator tools.
func (s *Service) AccountIDByEmail(ctx context.Context, email string) (string, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	var id string
	err = s.db.QueryRow(ctx, `SELECT id FROM accounts WHERE email_bidx = ?`, s.emailIndex(email)).Scan(&id)
	return id, store.NotFound(err)
}

// CertSatisfied reports whether the account may proceed given the client
// certificate the request presented: certAccount is the account a valid,
// unrevoked certificate is bound to, or "". Checked at sign-in and on
// every request, so a revocation takes effect at the next request.
func (a *Account) CertSatisfied(certAccount string) bool {
	return !a.RequireClientCert || (certAccount != "" && certAccount == a.ID)
}

// SetMerchant makes an account work for a merchant: its merchant roles
// then reach that merchant's products and orders, and no other's.
func (s *Service) SetMerchant(ctx context.Context, account, merchant string, m RequestMeta) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE accounts SET merchant_id = ?, kind = 'merchant', updated_at = ? WHERE id = ?
			AND EXISTS (SELECT 1 FROM merchants WHERE id = ?)`, merchant, store.Micros(s.now()), account, merchant)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return store.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL`, store.Micros(s.now()), account); err != nil {
			return err
		}
		return s.record(ctx, tx, m, "system", "merchant.member_added", account, audit.Success, map[string]string{"merchant": merchant})
	})
}
