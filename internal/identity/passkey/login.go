package passkey

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/citadel-store/citadel/internal/store"
)

// BeginLogin starts an assertion. With an accountID (the password already
// checked) the passkey is a second factor and only that account's
// credentials are allowed; user verification is preferred. With "" it is
// a passwordless sign-in: the browser offers any passkey for this site and
// the account is found from the response. Then the passkey is the only
// factor, so user verification (PIN or biometric) is required, which makes
// it two factors in one. An account without passkeys gives ErrNotFound.
func (s *Service) BeginLogin(ctx context.Context, accountID string) (options []byte, state string, err error) {
	if accountID == "" {
		assertion, sd, err := s.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
		if err != nil {
			return nil, "", fmt.Errorf("passkey: begin login: %w", err)
		}
		return s.begin(ctx, kindLogin, "", assertion, sd)
	}
	return s.beginFor(ctx, kindLogin, accountID, webauthn.WithUserVerification(protocol.VerificationPreferred))
}

// FinishLogin verifies the response to BeginLogin and returns the account
// it signs in. It checks the origin, the challenge, the RP ID hash, the
// signature and the signature counter: a counter that does not increase
// (unless it stays zero, as synced passkeys' do) gives ErrCloneSuspected.
// On success the counter and last use are stored.
func (s *Service) FinishLogin(ctx context.Context, state string, responseJSON []byte) (accountID string, err error) {
	v, err := s.finishAssertion(ctx, kindLogin, state, responseJSON)
	if err != nil {
		return "", err
	}
	return v.cred.AccountID, nil
}

// BeginSign asks the account's authenticator to sign challenge, a 32-byte
// document hash, as a WebAuthn assertion with user verification required.
// The document should contain a server nonce so that its hash, and so the
// signature, cannot be replayed for another payment.
func (s *Service) BeginSign(ctx context.Context, accountID string, challenge []byte) (options []byte, state string, err error) {
	if accountID == "" {
		return nil, "", errors.New("passkey: no account")
	}
	if len(challenge) != 32 {
		return nil, "", fmt.Errorf("passkey: document challenge of %d bytes, want 32", len(challenge))
	}
	return s.beginFor(ctx, kindSign, accountID,
		webauthn.WithChallenge(bytes.Clone(challenge)),
		webauthn.WithUserVerification(protocol.VerificationRequired))
}

// FinishSign verifies the response to BeginSign like FinishLogin does and
// returns what a third party needs to verify the signature later.
func (s *Service) FinishSign(ctx context.Context, state string, responseJSON []byte) (Assertion, error) {
	v, err := s.finishAssertion(ctx, kindSign, state, responseJSON)
	if err != nil {
		return Assertion{}, err
	}
	challenge, err := base64.RawURLEncoding.DecodeString(v.session.Challenge)
	if err != nil {
		return Assertion{}, fmt.Errorf("passkey: stored challenge: %w", err)
	}
	raw := v.parsed.Raw.AssertionResponse
	return Assertion{
		AccountID:         v.cred.AccountID,
		CredentialID:      v.cred.ID,
		Challenge:         challenge,
		AuthenticatorData: bytes.Clone(raw.AuthenticatorData),
		ClientDataJSON:    bytes.Clone(raw.ClientDataJSON),
		Signature:         bytes.Clone(raw.Signature),
		PublicKey:         bytes.Clone(v.cred.publicKey),
	}, nil
}

// beginFor starts an assertion limited to the account's credentials.
func (s *Service) beginFor(ctx context.Context, kind, accountID string, opts ...webauthn.LoginOption) ([]byte, string, error) {
	wu, err := s.user(ctx, accountID)
	if err != nil {
		return nil, "", err
	}
	if len(wu.creds) == 0 {
		return nil, "", ErrNotFound
	}
	assertion, sd, err := s.wa.BeginLogin(wu, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("passkey: begin %s: %w", kind, err)
	}
	return s.begin(ctx, kind, accountID, assertion, sd)
}

func (s *Service) begin(ctx context.Context, kind, accountID string, a *protocol.CredentialAssertion, sd *webauthn.SessionData) ([]byte, string, error) {
	options, err := json.Marshal(a)
	if err != nil {
		return nil, "", fmt.Errorf("passkey: encode options: %w", err)
	}
	state, err := s.saveChallenge(ctx, kind, accountID, sd)
	if err != nil {
		return nil, "", err
	}
	return options, state, nil
}

// verified is an assertion that passed every check.
type verified struct {
	cred    *row
	parsed  *protocol.ParsedCredentialAssertionData
	session webauthn.SessionData
}

// finishAssertion is FinishLogin and FinishSign: parse, claim the state,
// verify against the stored credential, then advance its counter.
func (s *Service) finishAssertion(ctx context.Context, kind, state string, responseJSON []byte) (*verified, error) {
	if len(responseJSON) > maxResponseSize {
		return nil, fmt.Errorf("%w: response too large", ErrInvalidResponse)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(responseJSON)
	if err != nil {
		return nil, invalid(err)
	}
	ch, err := s.takeChallenge(ctx, kind, state)
	if err != nil {
		return nil, err
	}
	credID := base64.RawURLEncoding.EncodeToString(parsed.RawID)
	r, err := s.credential(ctx, credID)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown credential", ErrInvalidResponse)
	}
	if err != nil {
		return nil, err
	}
	wu, err := s.user(ctx, r.AccountID)
	if err != nil {
		return nil, err
	}
	var cred *webauthn.Credential
	if ch.accountID == "" {
		// Discoverable: the user handle must name the credential's owner.
		_, cred, err = s.wa.ValidatePasskeyLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
			if string(userHandle) != r.AccountID {
				return nil, errors.New("user handle does not match the credential's account")
			}
			return wu, nil
		}, ch.session, parsed)
	} else {
		if ch.accountID != r.AccountID {
			return nil, fmt.Errorf("%w: credential of another account", ErrInvalidResponse)
		}
		cred, err = s.wa.ValidateLogin(wu, ch.session, parsed)
	}
	if err != nil {
		return nil, invalid(err)
	}
	if cred.Authenticator.CloneWarning {
		return nil, ErrCloneSuspected
	}
	if err := s.advance(ctx, r, parsed.Response.AuthenticatorData.Counter, cred.Flags.BackupState); err != nil {
		return nil, err
	}
	return &verified{cred: r, parsed: parsed, session: ch.session}, nil
}

// advance stores the new counter, refusing it unless it is greater than the
// stored one (or both are zero). The comparison is in the UPDATE, so two
// concurrent assertions with the same counter cannot both pass.
func (s *Service) advance(ctx context.Context, r *row, counter uint32, backupState bool) error {
	cond := `sign_count < ?`
	if counter == 0 {
		cond = `sign_count = ?`
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE passkey_credentials SET sign_count = ?, backup_state = ?, last_used_at = ?
			WHERE id = ? AND account_id = ? AND `+cond,
			int64(counter), boolInt(backupState), store.Micros(s.now()), r.ID, r.AccountID, int64(counter))
		if err != nil {
			return fmt.Errorf("passkey: update counter: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("passkey: update counter: %w", err)
		} else if n != 1 {
			return ErrCloneSuspected
		}
		return s.emit(ctx, tx, Event{Action: EventUsed, AccountID: r.AccountID, CredentialID: r.ID})
	})
}

// credential loads one credential by its ID.
func (s *Service) credential(ctx context.Context, credID string) (*row, error) {
	r, err := scanRow(s.db.QueryRow(ctx, `SELECT `+credentialColumns+` FROM passkey_credentials WHERE id = ?`, credID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("passkey: load credential: %w", err)
	}
	return r, nil
}
