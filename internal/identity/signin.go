package identity

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
)

// SignIn checks an email and password and opens a session. When the
// account needs a second factor the session is Pending: the caller sends
// the person to CompleteSignIn. Unknown
// emails, wrong passwords and blocked passwords take the same time and
// give the same ErrInvalidCredentials. After MaxFailures consecutive
// failures the password alone no longer works: the owner is emailed a
// link that unblocks it, so an attacker cannot lock the owner out, only
// make them read their mail.
func (s *Service) SignIn(ctx context.Context, email, pw string, m RequestMeta) (*Session, string, error) {
	now := s.now()
	email, err := NormalizeEmail(email)
	if err != nil || len(pw) > 4*1024 {
		s.hasher.VerifyDummy(ctx, pw[:min(len(pw), 128)])
		return nil, "", ErrInvalidCredentials
	}
	// Per source, and per account from each source: an attacker's guesses
	// from elsewhere never throttle the owner's own attempts.
	if !s.limits.allow("signin-ip", m.IP, now) || !s.limits.allow("signin-acct", email+"\x00"+m.IP, now) {
		return nil, "", ErrThrottled
	}
	var id string
	var pwCT []byte
	var verified, blocked sql.NullInt64
	var failures int
	err = s.db.QueryRow(ctx, `SELECT id, password_ct, email_verified_at, password_blocked_at, failed_signins
		FROM accounts WHERE email_bidx = ? AND status = 'active'`, s.emailIndex(email)).Scan(&id, &pwCT, &verified, &blocked, &failures)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && pwCT == nil) {
		if err := s.hasher.VerifyDummy(ctx, pw); err != nil {
			return nil, "", err
		}
		s.db.Tx(ctx, func(tx *store.Tx) error {
			return s.record(ctx, tx, m, "anonymous", "auth.signin", "", audit.Failure, map[string]string{"reason": "unknown_account"})
		})
		// Unknown emails still count as distinct targets, by a keyed
		// pseudonym (credential stuffing mostly misses).
		s.signInFailure(m.IP, "unknown:"+hex.EncodeToString(s.emailIndex(email)[:8]))
		return nil, "", ErrInvalidCredentials
	}
	if err != nil {
		return nil, "", err
	}
	hash, err := s.keys.OpenString(ctx, passwordField(id), pwCT)
	if err != nil {
		return nil, "", err
	}
	ok, rehash, err := s.hasher.Verify(ctx, pw, hash)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		s.signInFailure(m.IP, id)
		return nil, "", s.signInFailed(ctx, id, email, m)
	}
	if !verified.Valid {
		return nil, "", ErrEmailNotVerified
	}
	var sess *Session
	var secret string
	certDenied := false
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		certDenied = false
		if rehash {
			if fresh, err := s.hasher.Hash(ctx, pw); err == nil {
				ct, err := s.keys.SealString(ctx, keyring.Restricted, passwordField(id), fresh)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE accounts SET password_ct = ? WHERE id = ?`, []byte(ct), id); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET failed_signins = 0 WHERE id = ?`, id); err != nil {
			return err
		}
		a, err := s.account(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CertSatisfied(m.CertAccount) {
			certDenied = true
			return s.record(ctx, tx, m, id, "auth.signin", id, audit.Denied, map[string]string{"reason": "client_cert_required"})
		}
		pending, err := s.needsMFA(ctx, tx, a)
		if err != nil {
			return err
		}
		// A blocked password still works, but never alone: the owner
		// proves identity with a second factor (an app code, or a code
		// sent to their mailbox), which also lifts the block.
		pending = pending || blocked.Valid
		sess, secret, err = s.newSession(ctx, tx, a, pending, time.Time{}, m)
		if err != nil {
			return err
		}
		if pending {
			return s.record(ctx, tx, m, id, "auth.password_ok", id, audit.Success, map[string]string{"next": "second_factor"})
		}
		return s.record(ctx, tx, m, id, "auth.signin", id, audit.Success, map[string]string{"session": sess.Handle})
	})
	if err != nil {
		return nil, "", err
	}
	if certDenied {
		return nil, "", ErrInvalidCredentials
	}
	return sess, secret, nil
}

// signInFailed counts a failure and, at MaxFailures, blocks the password
// and emails an unblock link.
func (s *Service) signInFailed(ctx context.Context, id, email string, m RequestMeta) error {
	var link string
	var count int
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE accounts SET failed_signins = failed_signins + 1 WHERE id = ? RETURNING failed_signins`, id).Scan(&count); err != nil {
			return err
		}
		reason := "wrong_password"
		if err := s.record(ctx, tx, m, "anonymous", "auth.signin", id, audit.Failure,
			map[string]string{"reason": reason, "consecutive": strconv.Itoa(count)}); err != nil {
			return err
		}
		if count < MaxFailures {
			return nil
		}
		now := s.now()
		res, err := tx.Exec(ctx, `UPDATE accounts SET password_blocked_at = ? WHERE id = ? AND password_blocked_at IS NULL`, store.Micros(now), id)
		if err != nil {
			return err
		}
		newlyBlocked, _ := res.RowsAffected()
		if newlyBlocked == 1 {
			if err := s.record(ctx, tx, m, "system", "auth.lockout", id, audit.Success, nil); err != nil {
				return err
			}
		}
		// Send the owner a way back in (the second factor is the other).
		if newlyBlocked == 1 {
			secret, err := s.newToken(ctx, tx, id, purposeUnlock, s.cfg.ResetTTL)
			if err != nil {
				return err
			}
			link = s.cfg.BaseURL + "/unlock?token=" + secret
		}
		return nil
	})
	if err != nil {
		return err
	}
	if link != "" {
		s.sendLater(email, "Confirm it is you signing in",
			"There were many failed attempts to sign in to your Citadel account, so your password alone no longer opens it.\n\n"+
				"If you are trying to sign in, open this link within 30 minutes to confirm it is you, then sign in again:\n\n"+link+"\n\n"+
				"If it was not you, your account is safe; consider changing your password.\n")
	}
	return ErrInvalidCredentials
}

// Unlock consumes an emailed unlock link: the owner proved they hold the
// mailbox, so the password works again.
func (s *Service) Unlock(ctx context.Context, token string, m RequestMeta) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		id, err := s.useToken(ctx, tx, token, purposeUnlock)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET password_blocked_at = NULL, failed_signins = 0 WHERE id = ?`, id); err != nil {
			return err
		}
		return s.record(ctx, tx, m, id, "auth.unlock", id, audit.Success, nil)
	})
}

// RequestPasswordReset emails a reset link when the address has an
// account; it answers the same either way.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, m RequestMeta) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	now := s.now()
	if !s.limits.allow("reset-ip", m.IP, now) {
		return ErrThrottled
	}
	var id string
	err = s.db.QueryRow(ctx, `SELECT id FROM accounts WHERE email_bidx = ? AND status = 'active'`, s.emailIndex(email)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !s.limits.allow("reset-acct", id, now)) {
		return nil
	}
	if err != nil {
		return err
	}
	var link string
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		secret, err := s.newToken(ctx, tx, id, purposeReset, s.cfg.ResetTTL)
		if err != nil {
			return err
		}
		link = s.cfg.BaseURL + "/reset/confirm?token=" + secret
		return s.record(ctx, tx, m, "anonymous", "auth.reset_requested", id, audit.Success, nil)
	})
	if err != nil {
		return err
	}
	s.sendLater(email, "Reset your password",
		"Open this link within 30 minutes to choose a new password:\n\n"+link+"\n\n"+
			"Resetting your password signs you out everywhere. If you did not ask for this, ignore this message.\n")
	return nil
}

// ResetPassword sets a new password through a reset link and revokes
// every session of the account.
func (s *Service) ResetPassword(ctx context.Context, token, pw string, m RequestMeta) error {
	return s.setPasswordByToken(ctx, token, purposeReset, pw, m, "auth.password_reset")
}

func (s *Service) setPasswordByToken(ctx context.Context, token, purpose, pw string, m RequestMeta, action string) error {
	// Check the link before spending a hash; check it again, consuming
	// it, in the transaction.
	var id string
	var emailCT []byte
	err := s.db.QueryRow(ctx, `SELECT a.id, a.email_ct FROM account_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.token_hash = ? AND t.purpose = ? AND t.used_at IS NULL AND t.expires_at > ?`,
		hashSecret(token), purpose, store.Micros(s.now())).Scan(&id, &emailCT)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrInvalidToken
	}
	if err != nil {
		return err
	}
	email, err := s.keys.OpenString(ctx, emailField(id), emailCT)
	if err != nil {
		return err
	}
	if err := s.policy.Check(pw, email); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return err
	}
	ct, err := s.keys.SealString(ctx, keyring.Restricted, passwordField(id), hash)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		got, err := s.useToken(ctx, tx, token, purpose)
		if err != nil {
			return err
		}
		if got != id {
			return ErrInvalidToken
		}
		now := store.Micros(s.now())
		if _, err := tx.Exec(ctx, `UPDATE accounts SET password_ct = ?, password_blocked_at = NULL, failed_signins = 0,
			email_verified_at = COALESCE(email_verified_at, ?), updated_at = ? WHERE id = ?`, []byte(ct), now, now, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL`, now, id); err != nil {
			return err
		}
		return s.record(ctx, tx, m, id, action, id, audit.Success, nil)
	})
}
