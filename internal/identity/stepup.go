package identity

import (
	"context"
	"database/sql"
	"errors"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/identity/mfa"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
)

// CompleteSignIn checks the second factor of a pending session and
// replaces it with a full session under a new ID (the ID changes when
// privilege does).
func (s *Service) CompleteSignIn(ctx context.Context, pending *Session, method, code string, m RequestMeta) (*Session, string, error) {
	if !pending.Pending {
		return nil, "", ErrNoSession
	}
	if s.passkeyOnly(ctx, pending.Account) {
		return nil, "", ErrBadFactor // only CompleteSignInVerified with a passkey will do
	}
	var sess *Session
	var secret string
	err := s.checkFactor(ctx, pending.Account.ID, method, code, "auth.second_factor", m, func(tx *store.Tx) error {
		var err error
		sess, secret, err = s.promote(ctx, tx, pending, method, m)
		return err
	})
	return sess, secret, err
}

// CompleteSignInVerified finishes a pending sign-in whose second factor
// the caller verified itself (a passkey assertion for this account).
func (s *Service) CompleteSignInVerified(ctx context.Context, pending *Session, method string, m RequestMeta) (*Session, string, error) {
	if !pending.Pending {
		return nil, "", ErrNoSession
	}
	var sess *Session
	var secret string
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		sess, secret, err = s.promote(ctx, tx, pending, method, m)
		return err
	})
	return sess, secret, err
}

// promote replaces a pending session by a full one, lifting a password
// block: password and second factor together prove the owner.
func (s *Service) promote(ctx context.Context, tx *store.Tx, pending *Session, method string, m RequestMeta) (*Session, string, error) {
	res, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL`, store.Micros(s.now()), pending.idHash)
	if err != nil {
		return nil, "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, "", ErrNoSession
	}
	if _, err := tx.Exec(ctx, `UPDATE accounts SET password_blocked_at = NULL, failed_signins = 0 WHERE id = ?`, pending.Account.ID); err != nil {
		return nil, "", err
	}
	sess, secret, err := s.newSession(ctx, tx, pending.Account, false, s.now(), m)
	if err != nil {
		return nil, "", err
	}
	err = s.record(ctx, tx, m, pending.Account.ID, "auth.signin", pending.Account.ID, audit.Success,
		map[string]string{"session": sess.Handle, "method": method})
	return sess, secret, err
}

// SignInPasswordless opens a full session for an account whose passkey
// (possession plus the authenticator's user verification) the caller
// verified: two factors in one gesture.
func (s *Service) SignInPasswordless(ctx context.Context, account string, m RequestMeta) (*Session, string, error) {
	var sess *Session
	var secret string
	denied := false
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		denied = false
		a, err := s.account(ctx, tx, account)
		if err != nil {
			return err
		}
		if !a.EmailVerified || !a.CertSatisfied(m.CertAccount) {
			denied = true
			return s.record(ctx, tx, m, account, "auth.signin", account, audit.Denied, map[string]string{"method": "passkey"})
		}
		sess, secret, err = s.newSession(ctx, tx, a, false, s.now(), m)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, m, account, "auth.signin", account, audit.Success, map[string]string{"session": sess.Handle, "method": "passkey"})
	})
	if err == nil && denied {
		err = ErrInvalidCredentials
	}
	return sess, secret, err
}

// StepUpVerified records a step-up whose factor the caller verified (a
// passkey assertion for this account).
func (s *Service) StepUpVerified(ctx context.Context, sess *Session, method string, m RequestMeta) error {
	now := s.now()
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE sessions SET mfa_at = ? WHERE id_hash = ?`, store.Micros(now), sess.idHash); err != nil {
			return err
		}
		return s.record(ctx, tx, m, sess.Account.ID, "auth.step_up", sess.Account.ID, audit.Success, map[string]string{"method": method})
	})
	if err == nil {
		sess.MFAAt = now
	}
	return err
}

// StepUp verifies a second factor for a signed-in session, opening
// sensitive actions for authz.StepUpWindow.
func (s *Service) StepUp(ctx context.Context, sess *Session, method, code string, m RequestMeta) error {
	if s.passkeyOnly(ctx, sess.Account) {
		return ErrBadFactor
	}
	now := s.now()
	err := s.checkFactor(ctx, sess.Account.ID, method, code, "auth.step_up", m, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE sessions SET mfa_at = ? WHERE id_hash = ?`, store.Micros(now), sess.idHash)
		return err
	})
	if err == nil {
		sess.MFAAt = now
	}
	return err
}

// SteppedUp reports whether the session verified a factor recently enough
// for a sensitive action.
func (s *Service) SteppedUp(sess *Session) bool {
	return !sess.MFAAt.IsZero() && s.now().Sub(sess.MFAAt) <= authz.StepUpWindow && !sess.MFAAt.After(s.now())
}

// BeginTOTP starts enrolment of an authenticator app: a new secret,
// pending until ConfirmTOTP. It needs a recent step-up.
func (s *Service) BeginTOTP(ctx context.Context, sess *Session, m RequestMeta) (mfa.TOTPKey, error) {
	if !s.SteppedUp(sess) {
		return mfa.TOTPKey{}, ErrStepUpRequired
	}
	key := mfa.NewTOTPKey()
	ct, err := s.keys.Seal(ctx, keyring.Restricted, totpField(sess.Account.ID), key.Secret)
	if err != nil {
		return key, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var confirmed sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT confirmed_at FROM mfa_totp WHERE account_id = ?`, sess.Account.ID).Scan(&confirmed)
		if err == nil && confirmed.Valid {
			return errors.New("an authenticator app is already set up: remove it first")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_totp WHERE account_id = ?`, sess.Account.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO mfa_totp (account_id, secret_ct, created_at) VALUES (?, ?, ?)`,
			sess.Account.ID, []byte(ct), store.Micros(s.now()))
		return err
	})
	return key, err
}

// PendingTOTP returns the secret of an enrolment in progress (for its QR code).
func (s *Service) PendingTOTP(ctx context.Context, sess *Session) (mfa.TOTPKey, error) {
	var ct []byte
	err := s.db.QueryRow(ctx, `SELECT secret_ct FROM mfa_totp WHERE account_id = ? AND confirmed_at IS NULL`, sess.Account.ID).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return mfa.TOTPKey{}, ErrNoTOTP
	}
	if err != nil {
		return mfa.TOTPKey{}, err
	}
	secret, err := s.keys.Open(ctx, totpField(sess.Account.ID), ct)
	return mfa.TOTPKey{Secret: secret}, err
}

// ConfirmTOTP finishes enrolment with a first code from the app and
// returns ten recovery codes, shown once and stored only hashed.
func (s *Service) ConfirmTOTP(ctx context.Context, sess *Session, code string, m RequestMeta) ([]string, error) {
	if !s.SteppedUp(sess) {
		return nil, ErrStepUpRequired
	}
	key, err := s.PendingTOTP(ctx, sess)
	if err != nil {
		return nil, err
	}
	step, err := mfa.VerifyTOTP(key, code, s.now(), 0)
	if err != nil {
		return nil, ErrBadFactor
	}
	plain, _ := mfa.NewRecoveryCodes()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		now := store.Micros(s.now())
		res, err := tx.Exec(ctx, `UPDATE mfa_totp SET confirmed_at = ?, last_step = ? WHERE account_id = ? AND confirmed_at IS NULL`, now, step, sess.Account.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNoTOTP
		}
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE account_id = ?`, sess.Account.ID); err != nil {
			return err
		}
		for i, c := range plain {
			norm, _ := mfa.NormalizeRecoveryCode(c)
			if _, err := tx.Exec(ctx, `INSERT INTO mfa_recovery_codes (account_id, idx, code_hash) VALUES (?, ?, ?)`,
				sess.Account.ID, i, s.keys.BlindIndex("recovery-code", norm)); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, m, sess.Account.ID, "mfa.enrolled", sess.Account.ID, audit.Success, map[string]string{"method": MethodTOTP})
	})
	if err != nil {
		return nil, err
	}
	return plain, nil
}

// RemoveTOTP removes the authenticator app and the recovery codes; it
// needs a recent step-up.
func (s *Service) RemoveTOTP(ctx context.Context, sess *Session, m RequestMeta) error {
	if !s.SteppedUp(sess) {
		return ErrStepUpRequired
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_totp WHERE account_id = ?`, sess.Account.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE account_id = ?`, sess.Account.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, m, sess.Account.ID, "mfa.removed", sess.Account.ID, audit.Success, map[string]string{"method": MethodTOTP})
	})
}

// ChangePassword sets a new password for a signed-in account after a
// step-up and the current password; other sessions are signed out.
func (s *Service) ChangePassword(ctx context.Context, sess *Session, current, next string, m RequestMeta) error {
	if !s.SteppedUp(sess) {
		return ErrStepUpRequired
	}
	var ct []byte
	if err := s.db.QueryRow(ctx, `SELECT password_ct FROM accounts WHERE id = ?`, sess.Account.ID).Scan(&ct); err != nil {
		return err
	}
	hash, err := s.keys.OpenString(ctx, passwordField(sess.Account.ID), ct)
	if err != nil {
		return err
	}
	if ok, _, err := s.hasher.Verify(ctx, current, hash); err != nil || !ok {
		if err != nil {
			return err
		}
		return ErrInvalidCredentials
	}
	if err := s.policy.Check(next, sess.Account.Email); err != nil {
		return err
	}
	fresh, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	nct, err := s.keys.SealString(ctx, keyring.Restricted, passwordField(sess.Account.ID), fresh)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		now := store.Micros(s.now())
		if _, err := tx.Exec(ctx, `UPDATE accounts SET password_ct = ?, updated_at = ? WHERE id = ?`, []byte(nct), now, sess.Account.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND id_hash <> ? AND revoked_at IS NULL`,
			now, sess.Account.ID, sess.idHash); err != nil {
			return err
		}
		return s.record(ctx, tx, m, sess.Account.ID, "auth.password_changed", sess.Account.ID, audit.Success, nil)
	})
}

// passkeyOnly reports whether the account's organization accepts only a
// passkey as second factor and the account has one (until the first
// passkey is registered, codes still work, or the member could never
// enrol one).
func (s *Service) passkeyOnly(ctx context.Context, a *Account) bool {
	if !a.RequirePasskey {
		return false
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM passkey_credentials WHERE account_id = ?`, a.ID).Scan(&n); err != nil {
		return true // fail closed
	}
	return n > 0
}
