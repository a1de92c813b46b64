package identity

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/identity/mfa"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
)

// Second-factor methods.
const (
	MethodTOTP     = "totp"
	MethodRecovery = "recovery"
	MethodEmail    = "email"
)

// Errors of the second factor; all show the same message to the user.
var (
	ErrBadFactor      = errors.New("that code is not right, or was already used")
	ErrStepUpRequired = errors.New("confirm it is you with a second factor first")
	ErrNoTOTP         = errors.New("no authenticator app is set up")
)

const (
	otpTTL      = 10 * time.Minute
	otpAttempts = 5
	mfaStageTTL = 10 * time.Minute // a half-signed-in session lives this long
)

func totpField(account string) keyring.Field {
	return keyring.Field{Table: "mfa_totp", Column: "secret", Row: account}
}

// Factors describes what second factors an account has.
type Factors struct {
	SMS           bool
	TOTP          bool
	Passkeys      int
	RecoveryLeft  int
	TOTPPendingAt time.Time
}

// Factors lists the account's second factors. Email codes are always
// available: every signed-in account has a confirmed address.
func (s *Service) Factors(ctx context.Context, account string) (Factors, error) {
	var f Factors
	var confirmed sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT confirmed_at FROM mfa_totp WHERE account_id = ?`, account).Scan(&confirmed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return f, err
	}
	f.TOTP = confirmed.Valid
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM passkey_credentials WHERE account_id = ?`, account).Scan(&f.Passkeys); err != nil {
		return f, err
	}
	var phone int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE id = ? AND phone_verified_at IS NOT NULL`, account).Scan(&phone); err != nil {
		return f, err
	}
	f.SMS = phone > 0
	err = s.db.QueryRow(ctx, `SELECT count(*) FROM mfa_recovery_codes WHERE account_id = ? AND used_at IS NULL`, account).Scan(&f.RecoveryLeft)
	return f, err
}

// needsMFA reports whether sign-in must pass a second factor: always for
// staff, merchant and business-admin roles, and for anyone who set one up.
func (s *Service) needsMFA(ctx context.Context, q store.Querier, a *Account) (bool, error) {
	if a.RequirePasskey {
		return true, nil
	}
	for _, r := range a.Roles {
		if authz.StaffRole(r) {
			return true, nil
		}
	}
	var n int
	err := q.QueryRow(ctx, `SELECT (SELECT count(*) FROM mfa_totp WHERE account_id = ? AND confirmed_at IS NOT NULL)
		+ (SELECT count(*) FROM passkey_credentials WHERE account_id = ?)`, a.ID, a.ID).Scan(&n)
	return n > 0, err
}

// SendEmailCode emails a one-time code to the account's address, for
// sign-in or step-up. A new code replaces any earlier one.
func (s *Service) SendEmailCode(ctx context.Context, sess *Session, m RequestMeta) error {
	now := s.now()
	if !s.limits.allow("otp-send", sess.Account.ID, now) {
		return ErrThrottled
	}
	code, hash := mfa.NewOTP()
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_otp WHERE account_id = ?`, sess.Account.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mfa_otp (account_id, code_hash, channel, expires_at, created_at) VALUES (?, ?, 'email', ?, ?)`,
			sess.Account.ID, hash, store.Micros(now.Add(otpTTL)), store.Micros(now)); err != nil {
			return err
		}
		return s.record(ctx, tx, m, sess.Account.ID, "mfa.code_sent", sess.Account.ID, audit.Success, map[string]string{"channel": "email"})
	})
	if err != nil {
		return err
	}
	return s.send(ctx, sess.Account.Email, "Your Citadel sign-in code",
		"Your code is "+code+"\n\nIt works once, for 10 minutes. If you did not try to sign in, change your password.\n")
}

// verifyFactor checks a code by method inside tx, consuming it.
func (s *Service) verifyFactor(ctx context.Context, tx *store.Tx, account, method, code string) error {
	if len(code) > 64 {
		return ErrBadFactor
	}
	now := s.now()
	switch method {
	case MethodTOTP:
		var ct []byte
		var last int64
		err := tx.QueryRow(ctx, `SELECT secret_ct, last_step FROM mfa_totp WHERE account_id = ? AND confirmed_at IS NOT NULL`, account).Scan(&ct, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadFactor
		}
		if err != nil {
			return err
		}
		secret, err := s.keys.Open(ctx, totpField(account), ct)
		if err != nil {
			return err
		}
		step, err := mfa.VerifyTOTP(mfa.TOTPKey{Secret: secret}, code, now, last)
		if err != nil {
			return ErrBadFactor
		}
		_, err = tx.Exec(ctx, `UPDATE mfa_totp SET last_step = ? WHERE account_id = ? AND last_step = ?`, step, account, last)
		return err
	case MethodRecovery:
		norm, err := mfa.NormalizeRecoveryCode(code)
		if err != nil {
			return ErrBadFactor
		}
		want := s.keys.BlindIndex("recovery-code", norm)
		rows, err := tx.Query(ctx, `SELECT idx, code_hash FROM mfa_recovery_codes WHERE account_id = ? AND used_at IS NULL`, account)
		if err != nil {
			return err
		}
		match := -1
		for rows.Next() {
			var idx int
			var h []byte
			if err := rows.Scan(&idx, &h); err != nil {
				rows.Close()
				return err
			}
			if subtle.ConstantTimeCompare(h, want) == 1 {
				match = idx
			}
		}
		rows.Close()
		if match < 0 {
			return ErrBadFactor
		}
		_, err = tx.Exec(ctx, `UPDATE mfa_recovery_codes SET used_at = ? WHERE account_id = ? AND idx = ?`, store.Micros(now), account, match)
		return err
	case MethodEmail, MethodSMS, "sms_enrol":
		var hash []byte
		var attempts int
		var expires int64
		err := tx.QueryRow(ctx, `SELECT code_hash, attempts, expires_at FROM mfa_otp WHERE account_id = ? AND channel = ?`, account, method).Scan(&hash, &attempts, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrBadFactor
		}
		if err != nil {
			return err
		}
		if now.After(store.FromMicros(expires)) || attempts >= otpAttempts {
			tx.Exec(ctx, `DELETE FROM mfa_otp WHERE account_id = ?`, account)
			return ErrBadFactor
		}
		if !mfa.CheckOTP(code, hash) {
			return errBadAttempt
		}
		_, err = tx.Exec(ctx, `DELETE FROM mfa_otp WHERE account_id = ?`, account)
		return err
	}
	return ErrBadFactor
}

// errBadAttempt is a wrong email code: the attempt must be counted in a
// transaction that commits.
var errBadAttempt = fmt.Errorf("%w", ErrBadFactor)

// checkFactor runs verifyFactor in its own transaction, records the
// outcome, and counts failed email-code attempts.
func (s *Service) checkFactor(ctx context.Context, account, method, code, action string, m RequestMeta, then func(tx *store.Tx) error) error {
	if !s.limits.allow("mfa-acct", account, s.now()) {
		return ErrThrottled
	}
	var failed error
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		failed = nil
		if err := s.verifyFactor(ctx, tx, account, method, code); err != nil {
			if !errors.Is(err, ErrBadFactor) {
				return err
			}
			failed = err
			if errors.Is(err, errBadAttempt) {
				if _, err := tx.Exec(ctx, `UPDATE mfa_otp SET attempts = attempts + 1 WHERE account_id = ?`, account); err != nil {
					return err
				}
			}
			return s.record(ctx, tx, m, account, action, account, audit.Failure, map[string]string{"method": method})
		}
		if err := then(tx); err != nil {
			return err
		}
		return s.record(ctx, tx, m, account, action, account, audit.Success, map[string]string{"method": method})
	})
	if err != nil {
		return err
	}
	if failed != nil {
		return ErrBadFactor
	}
	return nil
}
