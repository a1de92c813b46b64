package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
)

const (
	purposeEmailOld = "email_change_old"
	purposeEmailNew = "email_change_new"
	emailChangeTTL  = 24 * time.Hour
)

func newEmailField(account string) keyring.Field {
	return keyring.Field{Table: "email_changes", Column: "new_email", Row: account}
}

// RequestEmailChange starts a change of address: a link to each of the old
// and the new address; the change applies when both are followed. It
// needs a recent step-up. An address already in use gets a notice instead
// and the answer is the same, so nothing is revealed.
func (s *Service) RequestEmailChange(ctx context.Context, sess *Session, newEmail string, m RequestMeta) error {
	if !s.SteppedUp(sess) {
		return ErrStepUpRequired
	}
	newEmail, err := NormalizeEmail(newEmail)
	if err != nil {
		return err
	}
	if newEmail == sess.Account.Email {
		return errors.New("that is already your address")
	}
	id := sess.Account.ID
	ct, err := s.keys.SealString(ctx, keyring.Confidential, newEmailField(id), newEmail)
	if err != nil {
		return err
	}
	var oldLink, newLink string
	taken := false
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var other string
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE email_bidx = ?`, s.emailIndex(newEmail)).Scan(&other)
		if err == nil {
			taken = true
			return s.record(ctx, tx, m, id, "account.email_change_requested", id, audit.Denied, map[string]string{"reason": "address_taken"})
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `DELETE FROM email_changes WHERE account_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO email_changes (account_id, new_email_ct, new_email_bidx, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, []byte(ct), s.emailIndex(newEmail), store.Micros(now.Add(emailChangeTTL)), store.Micros(now)); err != nil {
			return err
		}
		o, err := s.newToken(ctx, tx, id, purposeEmailOld, emailChangeTTL)
		if err != nil {
			return err
		}
		n, err := s.newToken(ctx, tx, id, purposeEmailNew, emailChangeTTL)
		if err != nil {
			return err
		}
		oldLink, newLink = s.cfg.BaseURL+"/email/confirm?token="+o, s.cfg.BaseURL+"/email/confirm?token="+n
		return s.record(ctx, tx, m, id, "account.email_change_requested", id, audit.Success, nil)
	})
	if err != nil {
		return err
	}
	if taken {
		s.sendLater(newEmail, "Someone tried to move an account to your address",
			"Someone asked to move a Citadel account to this address, which already has an account. Nothing changed.\n")
		return nil
	}
	s.sendLater(sess.Account.Email, "Confirm the change of your email address",
		"You asked to change the email address of your Citadel account. Confirm from this address, within 24 hours:\n\n"+oldLink+
			"\n\nThe new address must confirm too. If you did not ask for this, do not follow the link and change your password.\n")
	s.sendLater(newEmail, "Confirm your new email address",
		"Confirm that this is the new address of your Citadel account, within 24 hours:\n\n"+newLink+"\n\nThe old address must confirm too.\n")
	return nil
}

// ConfirmEmailChange consumes one of the two links; the second applies
// the change. It reports whether the change is now complete.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string, m RequestMeta) (bool, error) {
	done := false
	var oldEmail, newEmail string
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		done = false
		col := "old_confirmed"
		id, err := s.useToken(ctx, tx, token, purposeEmailOld)
		if errors.Is(err, ErrInvalidToken) {
			col = "new_confirmed"
			id, err = s.useToken(ctx, tx, token, purposeEmailNew)
		}
		if err != nil {
			return err
		}
		var ct, bidx []byte
		var oldOK, newOK int
		var expires int64
		err = tx.QueryRow(ctx, `SELECT new_email_ct, new_email_bidx, old_confirmed, new_confirmed, expires_at FROM email_changes WHERE account_id = ?`, id).
			Scan(&ct, &bidx, &oldOK, &newOK, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && s.now().After(store.FromMicros(expires))) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		if col == "old_confirmed" {
			oldOK = 1
		} else {
			newOK = 1
		}
		if oldOK == 0 || newOK == 0 {
			_, err := tx.Exec(ctx, `UPDATE email_changes SET `+col+` = 1 WHERE account_id = ?`, id)
			return err
		}
		a, err := s.account(ctx, tx, id)
		if err != nil {
			return err
		}
		oldEmail = a.Email
		if newEmail, err = s.keys.OpenString(ctx, newEmailField(id), ct); err != nil {
			return err
		}
		emailCT, err := s.keys.SealString(ctx, keyring.Confidential, emailField(id), newEmail)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET email_ct = ?, email_bidx = ?, email_verified_at = ?, updated_at = ? WHERE id = ?`,
			[]byte(emailCT), bidx, store.Micros(s.now()), store.Micros(s.now()), id); err != nil {
			if store.IsUniqueViolation(err) {
				return ErrInvalidToken
			}
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM email_changes WHERE account_id = ?`, id); err != nil {
			return err
		}
		done = true
		return s.record(ctx, tx, m, id, "account.email_changed", id, audit.Success, nil)
	})
	if err != nil || !done {
		return false, err
	}
	s.sendLater(oldEmail, "Your email address was changed", "The email address of your Citadel account is now a different one. If you did not do this, contact support at once.\n")
	return true, nil
}
