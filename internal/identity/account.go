package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/notify"
	"github.com/citadel-store/citadel/internal/store"
)

// Account is what the rest of Citadel needs to know of a signed-in person.
type Account struct {
	ID            string
	Kind          string
	Email         string
	EmailVerified bool
	Roles         []authz.Role
	OrgID         string
	MerchantID    string
	// RequireClientCert: the organization requires a client certificate.
	RequireClientCert bool
	// RequirePasskey: the organization accepts only a passkey as the
	// second factor.
	RequirePasskey bool
}

// Actor turns the account into authz's view of it.
func (a *Account) Actor(mfaAt time.Time) authz.Actor {
	return authz.Actor{AccountID: a.ID, Roles: a.Roles, OrgID: a.OrgID, MerchantID: a.MerchantID, MFAAt: mfaAt}
}

func emailField(id string) keyring.Field {
	return keyring.Field{Table: "accounts", Column: "email", Row: id}
}
func passwordField(id string) keyring.Field {
	return keyring.Field{Table: "accounts", Column: "password", Row: id}
}

// Register creates a customer account and emails a verification link.
// When the email is taken, it tells the owner by email instead and
// returns the same result, so the form reveals nothing.
func (s *Service) Register(ctx context.Context, email, pw string, m RequestMeta) error {
	return s.RegisterWithConsent(ctx, email, pw, false, m)
}

// RegisterWithConsent is Register with the marketing opt-in the form
// offered (unchecked by default).
func (s *Service) RegisterWithConsent(ctx context.Context, email, pw string, marketing bool, m RequestMeta) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := s.policy.Check(pw, email); err != nil {
		return err
	}
	now := s.now()
	if !s.limits.allow("register-ip", m.IP, now) {
		return ErrThrottled
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return err
	}
	id := ids.New("acc")
	var link string
	var exists bool
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var other string
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE email_bidx = ?`, s.emailIndex(email)).Scan(&other)
		if err == nil {
			exists = true
			return s.record(ctx, tx, m, "anonymous", "account.register", other, audit.Denied, map[string]string{"reason": "email_taken"})
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := s.insertAccount(ctx, tx, id, "customer", email, hash, now); err != nil {
			return err
		}
		if err := s.grant(ctx, tx, id, authz.Customer, "self", now); err != nil {
			return err
		}
		secret, err := s.newToken(ctx, tx, id, purposeVerify, s.cfg.VerifyTTL)
		if err != nil {
			return err
		}
		link = s.cfg.BaseURL + "/verify?token=" + secret
		if err := s.record(ctx, tx, m, id, "account.register", id, audit.Success, nil); err != nil {
			return err
		}
		// Registering is agreeing to the terms shown on the form.
		if err := s.recordConsent(ctx, tx, id, ConsentTerms, true, m); err != nil {
			return err
		}
		return s.recordConsent(ctx, tx, id, ConsentMarketing, marketing, m)
	})
	if err != nil {
		return err
	}
	if exists {
		if s.limits.allow("register-eml", email, now) {
			s.sendLater(email, "Someone tried to register with your address",
				"Someone tried to create a Citadel account with this email address, which already has one.\n\n"+
					"If it was you, sign in or reset your password at "+s.cfg.BaseURL+"/reset.\nIf not, you can ignore this message.\n")
		}
		return nil
	}
	s.sendLater(email, "Confirm your email address",
		"Welcome to Citadel.\n\nConfirm your email address by opening this link within 24 hours:\n\n"+link+"\n\n"+
			"If you did not register, ignore this message.\n")
	return nil
}

func (s *Service) insertAccount(ctx context.Context, tx *store.Tx, id, kind, email, hash string, now time.Time) error {
	emailCT, err := s.keys.SealString(ctx, keyring.Confidential, emailField(id), email)
	if err != nil {
		return err
	}
	var pwCT []byte
	if hash != "" {
		if pwCT, err = s.keys.SealString(ctx, keyring.Restricted, passwordField(id), hash); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO accounts (id, kind, email_bidx, email_ct, password_ct, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'active', ?, ?)`, id, kind, s.emailIndex(email), []byte(emailCT), pwCT, store.Micros(now), store.Micros(now))
	if store.IsUniqueViolation(err) {
		return fmt.Errorf("%w: email already registered", store.ErrConflict)
	}
	return err
}

func (s *Service) grant(ctx context.Context, tx *store.Tx, id string, role authz.Role, by string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO account_roles (account_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?)`,
		id, string(role), by, store.Micros(now))
	return err
}

// VerifyEmail consumes a verification link.
func (s *Service) VerifyEmail(ctx context.Context, token string, m RequestMeta) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		id, err := s.useToken(ctx, tx, token, purposeVerify)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET email_verified_at = ?, updated_at = ? WHERE id = ?`,
			store.Micros(s.now()), store.Micros(s.now()), id); err != nil {
			return err
		}
		return s.record(ctx, tx, m, id, "account.email_verified", id, audit.Success, nil)
	})
}

// CreateUser is the bootstrap path (`citadel user create`): an account
// with a role and no password, and a one-time enrolment link by which its
// owner sets one. There are no default passwords.
func (s *Service) CreateUser(ctx context.Context, email string, role authz.Role, m RequestMeta) (link string, err error) {
	email, err = NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	if !role.Valid() {
		return "", fmt.Errorf("unknown role %q", role)
	}
	kind := "customer"
	switch {
	case role == authz.BusinessBuyer || role == authz.BusinessAdmin:
		kind = "business"
	case role == authz.MerchantOwner || role == authz.MerchantStaff:
		kind = "merchant"
	case authz.StaffRole(role):
		kind = "staff"
	}
	now := s.now()
	id := ids.New("acc")
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.insertAccount(ctx, tx, id, kind, email, "", now); err != nil {
			return err
		}
		if err := s.grant(ctx, tx, id, role, "system", now); err != nil {
			return err
		}
		secret, err := s.newToken(ctx, tx, id, purposeEnrol, s.cfg.EnrolTTL)
		if err != nil {
			return err
		}
		link = s.cfg.BaseURL + "/enrol?token=" + secret
		return s.record(ctx, tx, m, "system", "account.create", id, audit.Success, map[string]string{"role": string(role)})
	})
	return link, err
}

// Enrol sets the first password through an enrolment link; it also
// proves the email address.
func (s *Service) Enrol(ctx context.Context, token, pw string, m RequestMeta) error {
	return s.setPasswordByToken(ctx, token, purposeEnrol, pw, m, "account.enrol")
}

// account loads an account by ID, with its email opened.
func (s *Service) account(ctx context.Context, q store.Querier, id string) (*Account, error) {
	a := &Account{ID: id}
	var emailCT []byte
	var verified sql.NullInt64
	var org, merchant sql.NullString
	var reqCert, reqPasskey sql.NullInt64
	err := q.QueryRow(ctx, `SELECT a.kind, a.email_ct, a.email_verified_at, a.org_id, a.merchant_id, o.require_client_cert, o.require_passkey
		FROM accounts a LEFT JOIN orgs o ON o.id = a.org_id WHERE a.id = ? AND a.status = 'active'`, id).
		Scan(&a.Kind, &emailCT, &verified, &org, &merchant, &reqCert, &reqPasskey)
	if err != nil {
		return nil, store.NotFound(err)
	}
	if a.Email, err = s.keys.OpenString(ctx, emailField(id), emailCT); err != nil {
		return nil, err
	}
	a.EmailVerified, a.OrgID, a.MerchantID = verified.Valid, org.String, merchant.String
	a.RequireClientCert, a.RequirePasskey = reqCert.Int64 == 1, reqPasskey.Int64 == 1
	rows, err := q.Query(ctx, `SELECT role FROM account_roles WHERE account_id = ? ORDER BY role`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		a.Roles = append(a.Roles, authz.Role(r))
	}
	return a, rows.Err()
}

// Account returns an active account by ID.
func (s *Service) Account(ctx context.Context, id string) (*Account, error) {
	return s.account(ctx, s.db, id)
}

func (s *Service) send(ctx context.Context, to, subject, text string) error {
	if err := s.mail.Send(ctx, notify.Message{To: to, Subject: subject, Text: text}); err != nil {
		return fmt.Errorf("sending email: %w", err)
	}
	return nil
}

// sendLater sends in the background. Paths whose answer must not reveal
// whether an account exists use it, so that the time an SMTP exchange
// takes does not tell either.
func (s *Service) sendLater(to, subject, text string) {
	s.sends.Add(1)
	go func() {
		defer s.sends.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.send(ctx, to, subject, text); err != nil {
			s.cfg.Log.Error("background email", "subject", subject, "err", err)
		}
	}()
}

// Close waits for mail being sent in the background.
func (s *Service) Close() { s.sends.Wait() }
