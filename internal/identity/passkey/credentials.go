package passkey

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/citadel-store/citadel/internal/store"
)

const credentialColumns = `id, account_id, public_key, sign_count, aaguid, transports, attestation_format,
	name, backup_eligible, backup_state, created_at, last_used_at`

// row is a passkey_credentials row.
type row struct {
	Credential
	publicKey []byte
	format    string
}

func scanRow(rows interface{ Scan(...any) error }) (*row, error) {
	var (
		r          row
		signCount  int64
		transports string
		be, bs     int
		created    int64
		lastUsed   sql.NullInt64
	)
	err := rows.Scan(&r.ID, &r.AccountID, &r.publicKey, &signCount, &r.AAGUID, &transports, &r.format,
		&r.Name, &be, &bs, &created, &lastUsed)
	if err != nil {
		return nil, err
	}
	r.SignCount = uint32(signCount)
	if transports != "" {
		r.Transports = strings.Split(transports, ",")
	}
	r.BackupEligible, r.BackupState = be == 1, bs == 1
	r.CreatedAt = store.FromMicros(created)
	if lastUsed.Valid {
		r.LastUsedAt = store.FromMicros(lastUsed.Int64)
	}
	return &r, nil
}

// webauthn turns a stored row back into the library's credential record.
func (r *row) webauthn() (webauthn.Credential, error) {
	id, err := base64.RawURLEncoding.DecodeString(r.ID)
	if err != nil {
		return webauthn.Credential{}, fmt.Errorf("passkey: stored credential ID %q: %w", r.ID, err)
	}
	c := webauthn.Credential{
		ID:                id,
		PublicKey:         r.publicKey,
		AttestationFormat: r.format,
		Flags:             webauthn.CredentialFlags{BackupEligible: r.BackupEligible, BackupState: r.BackupState},
		Authenticator:     webauthn.Authenticator{AAGUID: r.AAGUID, SignCount: r.SignCount},
	}
	for _, t := range r.Transports {
		c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
	}
	return c, nil
}

// rows loads an account's credentials, oldest first.
func (s *Service) rows(ctx context.Context, q store.Querier, accountID string) ([]*row, error) {
	rs, err := q.Query(ctx, `SELECT `+credentialColumns+` FROM passkey_credentials
		WHERE account_id = ? ORDER BY created_at, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("passkey: list credentials: %w", err)
	}
	defer rs.Close()
	var out []*row
	for rs.Next() {
		r, err := scanRow(rs)
		if err != nil {
			return nil, fmt.Errorf("passkey: list credentials: %w", err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("passkey: list credentials: %w", err)
	}
	return out, nil
}

// user loads an account as the library's User, with every credential it owns.
func (s *Service) user(ctx context.Context, accountID string) (*waUser, error) {
	rs, err := s.rows(ctx, s.db, accountID)
	if err != nil {
		return nil, err
	}
	u := &waUser{id: accountID, name: accountID, display: accountID}
	for _, r := range rs {
		c, err := r.webauthn()
		if err != nil {
			return nil, err
		}
		u.creds = append(u.creds, c)
	}
	return u, nil
}

// List returns the account's passkeys, oldest first (none is not an error).
func (s *Service) List(ctx context.Context, accountID string) ([]Credential, error) {
	rs, err := s.rows(ctx, s.db, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]Credential, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Credential)
	}
	return out, nil
}

// Remove deletes one of the account's passkeys. A credential that does not
// exist or belongs to another account gives ErrNotFound, alike, so the
// caller learns nothing about other accounts. Removing a factor is a
// sensitive action: the caller checks step-up first and records the event.
func (s *Service) Remove(ctx context.Context, accountID, credID string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM passkey_credentials WHERE id = ? AND account_id = ?`, credID, accountID)
		if err != nil {
			return fmt.Errorf("passkey: remove: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("passkey: remove: %w", err)
		} else if n == 0 {
			return ErrNotFound
		}
		return s.emit(ctx, tx, Event{Action: EventRemoved, AccountID: accountID, CredentialID: credID})
	})
}
