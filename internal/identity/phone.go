package identity

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/identity/mfa"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/notify"
	"github.com/citadel-store/citadel/internal/store"
)

// MethodSMS is a one-time code sent by text message to a confirmed phone.
const MethodSMS = "sms"

// ErrInvalidPhone asks for a number in international form.
var ErrInvalidPhone = errors.New("enter the number in international form, like +44 20 7946 0000")

func phoneField(account string) keyring.Field {
	return keyring.Field{Table: "accounts", Column: "phone", Row: account}
}

func pendingPhoneField(account string) keyring.Field {
	return keyring.Field{Table: "phone_pending", Column: "phone", Row: account}
}

// NormalizePhone reduces a number to E.164: '+' and 8 to 15 digits.
func NormalizePhone(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if err := (notify.SMS{To: s, Text: "x"}).Validate(); err != nil || !strings.HasPrefix(s, "+") {
		return "", ErrInvalidPhone
	}
	return s, nil
}

// SetPhone starts adding a phone number for SMS codes: it texts a code
// that ConfirmPhone checks. It needs a recent step-up.
func (s *Service) SetPhone(ctx context.Context, sess *Session, phone string, m RequestMeta) error {
	if !s.SteppedUp(sess) {
		return ErrStepUpRequired
	}
	phone, err := NormalizePhone(phone)
	if err != nil {
		return err
	}
	if s.sms == nil {
		return errors.New("text messages are not configured on this store")
	}
	if !s.limits.allow("otp-send", sess.Account.ID, s.now()) {
		return ErrThrottled
	}
	ct, err := s.keys.SealString(ctx, keyring.Confidential, pendingPhoneField(sess.Account.ID), phone)
	if err != nil {
		return err
	}
	code, hash := mfa.NewOTP()
	now := s.now()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		for _, q := range []string{`DELETE FROM phone_pending WHERE account_id = ?`, `DELETE FROM mfa_otp WHERE account_id = ?`} {
			if _, err := tx.Exec(ctx, q, sess.Account.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO phone_pending (account_id, phone_ct, created_at) VALUES (?, ?, ?)`,
			sess.Account.ID, []byte(ct), store.Micros(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO mfa_otp (account_id, code_hash, channel, expires_at, created_at) VALUES (?, ?, 'sms_enrol', ?, ?)`,
			sess.Account.ID, hash, store.Micros(now.Add(otpTTL)), store.Micros(now))
		return err
	})
	if err != nil {
		return err
	}
	return s.sms.SendSMS(ctx, notify.SMS{To: phone, Text: "Your Citadel code to confirm this phone: " + code})
}

// ConfirmPhone checks the code texted by SetPhone and makes the number
// the account's SMS factor.
func (s *Service) ConfirmPhone(ctx context.Context, sess *Session, code string, m RequestMeta) error {
	var ct []byte
	err := s.db.QueryRow(ctx, `SELECT phone_ct FROM phone_pending WHERE account_id = ?`, sess.Account.ID).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrBadFactor
	}
	if err != nil {
		return err
	}
	phone, err := s.keys.OpenString(ctx, pendingPhoneField(sess.Account.ID), ct)
	if err != nil {
		return err
	}
	sealed, err := s.keys.SealString(ctx, keyring.Confidential, phoneField(sess.Account.ID), phone)
	if err != nil {
		return err
	}
	return s.checkFactor(ctx, sess.Account.ID, "sms_enrol", code, "mfa.enrolled", m, func(tx *store.Tx) error {
		now := store.Micros(s.now())
		if _, err := tx.Exec(ctx, `UPDATE accounts SET phone_ct = ?, phone_bidx = ?, phone_verified_at = ?, updated_at = ? WHERE id = ?`,
			[]byte(sealed), s.keys.BlindIndex("account-phone", phone), now, now, sess.Account.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM phone_pending WHERE account_id = ?`, sess.Account.ID)
		return err
	})
}

// SendSMSCode texts a one-time code to the account's confirmed phone,
// for sign-in or step-up.
func (s *Service) SendSMSCode(ctx context.Context, sess *Session, m RequestMeta) error {
	if s.sms == nil {
		return ErrBadFactor
	}
	var ct []byte
	err := s.db.QueryRow(ctx, `SELECT phone_ct FROM accounts WHERE id = ? AND phone_verified_at IS NOT NULL`, sess.Account.ID).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && ct == nil) {
		return ErrBadFactor
	}
	if err != nil {
		return err
	}
	phone, err := s.keys.OpenString(ctx, phoneField(sess.Account.ID), ct)
	if err != nil {
		return err
	}
	if !s.limits.allow("otp-send", sess.Account.ID, s.now()) {
		return ErrThrottled
	}
	code, hash := mfa.NewOTP()
	now := s.now()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_otp WHERE account_id = ?`, sess.Account.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mfa_otp (account_id, code_hash, channel, expires_at, created_at) VALUES (?, ?, 'sms', ?, ?)`,
			sess.Account.ID, hash, store.Micros(now.Add(otpTTL)), store.Micros(now)); err != nil {
			return err
		}
		return s.record(ctx, tx, m, sess.Account.ID, "mfa.code_sent", sess.Account.ID, audit.Success, map[string]string{"channel": "sms"})
	})
	if err != nil {
		return err
	}
	return s.sms.SendSMS(ctx, notify.SMS{To: phone, Text: "Your Citadel sign-in code is " + code + ". It works once, for 10 minutes."})
}

// AccountIDByPhone finds an account by its confirmed phone number (the
// blind index: the number itself is never searched in clear).
func (s *Service) AccountIDByPhone(ctx context.Context, phone string) (string, error) {
	phone, err := NormalizePhone(phone)
	if err != nil {
		return "", err
	}
	var id string
	err = s.db.QueryRow(ctx, `SELECT id FROM accounts WHERE phone_bidx = ? AND phone_verified_at IS NOT NULL`,
		s.keys.BlindIndex("account-phone", phone)).Scan(&id)
	return id, store.NotFound(err)
}
