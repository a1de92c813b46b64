package identity

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
)

// Export is everything Citadel holds about one person, as they download it.
type Export struct {
	GeneratedAt time.Time     `json:"generated_at"`
	Profile     ExportProfile `json:"profile"`
	Consents    []Consent     `json:"consents"`
	Sessions    []Session     `json:"sessions"`
	Factors     Factors       `json:"factors"`
	APITokens   []APIToken    `json:"api_tokens"`
	Events      []ExportEvent `json:"security_events"`
}

// ExportProfile is the account itself.
type ExportProfile struct {
	ID            string   `json:"id"`
	Email         string   `json:"email"`
	Phone         string   `json:"phone,omitempty"`
	Kind          string   `json:"kind"`
	Roles         []string `json:"roles"`
	EmailVerified bool     `json:"email_verified"`
	Organization  string   `json:"organization,omitempty"`
}

// ExportEvent is a security event about the person (from the audit outbox).
type ExportEvent struct {
	Entry json.RawMessage `json:"entry"`
}

const exportTTL = 24 * time.Hour

func exportField(id string) keyring.Field {
	return keyring.Field{Table: "data_exports", Column: "payload", Row: id}
}

// RequestExport prepares the person's data in the background and emails
// a single-use link valid for 24 hours.
func (s *Service) RequestExport(ctx context.Context, sess *Session, m RequestMeta) error {
	id := ids.New("exp")
	secret := ids.Token(32)
	now := s.now()
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO data_exports (id, account_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			id, sess.Account.ID, hashSecret(secret), store.Micros(now), store.Micros(now.Add(exportTTL))); err != nil {
			return err
		}
		return s.record(ctx, tx, m, sess.Account.ID, "privacy.export_requested", id, audit.Success, nil)
	})
	if err != nil {
		return err
	}
	account, email := sess.Account.ID, sess.Account.Email
	s.sends.Add(1)
	go func() {
		defer s.sends.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := s.prepareExport(ctx, id, account); err != nil {
			s.cfg.Log.Error("export", "err", err, "export", id)
			return
		}
		if err := s.send(ctx, email, "Your data is ready to download",
			"The copy of your personal data you asked for is ready. Download it once, within 24 hours, while signed in:\n\n"+
				s.cfg.BaseURL+"/account/export/download?token="+secret+"\n"); err != nil {
			s.cfg.Log.Error("export mail", "err", err)
		}
	}()
	return nil
}

func (s *Service) prepareExport(ctx context.Context, id, account string) error {
	e, err := s.collect(ctx, account)
	if err != nil {
		return err
	}
	payload, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	ct, err := s.keys.Seal(ctx, keyring.Confidential, exportField(id), payload)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `UPDATE data_exports SET payload_ct = ? WHERE id = ?`, []byte(ct), id)
	return err
}

func (s *Service) collect(ctx context.Context, account string) (*Export, error) {
	a, err := s.account(ctx, s.db, account)
	if err != nil {
		return nil, err
	}
	e := &Export{GeneratedAt: s.now(), Profile: ExportProfile{ID: a.ID, Email: a.Email, Kind: a.Kind,
		EmailVerified: a.EmailVerified, Organization: a.OrgID}}
	for _, r := range a.Roles {
		e.Profile.Roles = append(e.Profile.Roles, string(r))
	}
	var phoneCT []byte
	if err := s.db.QueryRow(ctx, `SELECT phone_ct FROM accounts WHERE id = ?`, account).Scan(&phoneCT); err == nil && phoneCT != nil {
		e.Profile.Phone, _ = s.keys.OpenString(ctx, phoneField(account), phoneCT)
	}
	if e.Consents, err = s.Consents(ctx, account); err != nil {
		return nil, err
	}
	fake := &Session{Account: a}
	if e.Sessions, err = s.Sessions(ctx, fake); err != nil {
		return nil, err
	}
	if e.Factors, err = s.Factors(ctx, account); err != nil {
		return nil, err
	}
	if e.APITokens, err = s.APITokens(ctx, fake); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT body FROM audit_outbox WHERE actor = ? OR body LIKE ? ORDER BY seq`, account, `%"object":"`+account+`"%`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		e.Events = append(e.Events, ExportEvent{Entry: json.RawMessage(b)})
	}
	return e, rows.Err()
}

// ErrExportNotReady means the export is still being prepared.
var ErrExportNotReady = errors.New("your data is still being prepared; try again in a minute")

// DownloadExport consumes the link once, for the account that asked.
func (s *Service) DownloadExport(ctx context.Context, sess *Session, token string, m RequestMeta) (*Export, error) {
	var e Export
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var id string
		var ct []byte
		var expires int64
		err := tx.QueryRow(ctx, `SELECT id, payload_ct, expires_at FROM data_exports WHERE token_hash = ? AND account_id = ? AND used_at IS NULL`,
			hashSecret(token), sess.Account.ID).Scan(&id, &ct, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && s.now().After(store.FromMicros(expires))) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		if ct == nil {
			return ErrExportNotReady
		}
		payload, err := s.keys.Open(ctx, exportField(id), ct)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(payload, &e); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE data_exports SET used_at = ?, payload_ct = NULL WHERE id = ?`, store.Micros(s.now()), id); err != nil {
			return err
		}
		return s.record(ctx, tx, m, sess.Account.ID, "privacy.export_downloaded", id, audit.Success, nil)
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Erase deletes the person's account: personal data is deleted, their
// per-person key destroyed, raw IPs beside their audit entries erased.
// The audit log keeps only the pseudonymous account ID, so its
// verification never breaks. It needs a recent step-up.
func (s *Service) Erase(ctx context.Context, sess *Session, m RequestMeta) error {
	if !s.SteppedUp(sess) {
		return ErrStepUpRequired
	}
	id := sess.Account.ID
	tomb := make([]byte, 32)
	rand.Read(tomb)
	emailCT, err := s.keys.SealString(ctx, keyring.Confidential, emailField(id), "erased")
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		for _, q := range []string{
			`DELETE FROM sessions WHERE account_id = ?`,
			`DELETE FROM account_tokens WHERE account_id = ?`,
			`DELETE FROM mfa_totp WHERE account_id = ?`,
			`DELETE FROM mfa_recovery_codes WHERE account_id = ?`,
			`DELETE FROM mfa_otp WHERE account_id = ?`,
			`DELETE FROM passkey_credentials WHERE account_id = ?`,
			`DELETE FROM passkey_challenges WHERE account_id = ?`,
			`DELETE FROM api_tokens WHERE account_id = ?`,
			`DELETE FROM email_changes WHERE account_id = ?`,
			`DELETE FROM phone_pending WHERE account_id = ?`,
			`DELETE FROM data_exports WHERE account_id = ?`,
			`DELETE FROM account_roles WHERE account_id = ?`,
			`UPDATE audit_outbox SET ip_ct = NULL WHERE actor = ?`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET email_ct = ?, email_bidx = ?, password_ct = NULL, phone_ct = NULL,
			phone_bidx = NULL, phone_verified_at = NULL, org_id = NULL, status = 'erased', updated_at = ? WHERE id = ?`,
			[]byte(emailCT), tomb, store.Micros(s.now()), id); err != nil {
			return err
		}
		if err := s.keys.Shred(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, m, id, "privacy.erased", id, audit.Success, nil)
	})
}
