package passkey

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/citadel-store/citadel/internal/store"
)

// maxNameLen bounds the label the owner gives a passkey.
const maxNameLen = 64

// BeginRegistration starts adding a passkey to a signed-in account (after
// step-up: adding a factor is a sensitive action). It returns the JSON for
// navigator.credentials.create and the state token to hand back to
// FinishRegistration. The account's existing credentials are excluded, so
// the same authenticator is not registered twice.
func (s *Service) BeginRegistration(ctx context.Context, u User) (options []byte, state string, err error) {
	if u.AccountID == "" {
		return nil, "", errors.New("passkey: no account")
	}
	wu, err := s.user(ctx, u.AccountID)
	if err != nil {
		return nil, "", err
	}
	wu.name, wu.display = u.Email, u.DisplayName
	if wu.name == "" {
		wu.name = u.AccountID
	}
	if wu.display == "" {
		wu.display = wu.name
	}
	exclude := webauthn.Credentials(wu.creds).CredentialDescriptors()
	creation, sd, err := s.wa.BeginRegistration(wu,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
		webauthn.WithExclusions(exclude),
	)
	if err != nil {
		return nil, "", fmt.Errorf("passkey: begin registration: %w", err)
	}
	if options, err = json.Marshal(creation); err != nil {
		return nil, "", fmt.Errorf("passkey: encode options: %w", err)
	}
	if state, err = s.saveChallenge(ctx, kindRegister, u.AccountID, sd); err != nil {
		return nil, "", err
	}
	return options, state, nil
}

// FinishRegistration verifies the browser's response to BeginRegistration
// for the same account and stores the new credential under name. It
// returns the credential's ID (as List shows it). A credential ID already
// registered, to this or any other account, is refused.
func (s *Service) FinishRegistration(ctx context.Context, u User, state string, responseJSON []byte, name string) (credID string, err error) {
	if len(responseJSON) > maxResponseSize {
		return "", fmt.Errorf("%w: response too large", ErrInvalidResponse)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(responseJSON)
	if err != nil {
		return "", invalid(err)
	}
	ch, err := s.takeChallenge(ctx, kindRegister, state)
	if err != nil {
		return "", err
	}
	if ch.accountID == "" || ch.accountID != u.AccountID {
		return "", ErrChallengeExpired
	}
	wu, err := s.user(ctx, u.AccountID)
	if err != nil {
		return "", err
	}
	cred, err := s.wa.CreateCredential(wu, ch.session, parsed)
	if err != nil {
		return "", invalid(err)
	}
	credID = base64.RawURLEncoding.EncodeToString(cred.ID)
	transports := make([]string, 0, len(cred.Transport))
	for _, t := range cred.Transport {
		if tt := string(t); tt != "" && !strings.ContainsAny(tt, ",") && len(tt) <= 32 {
			transports = append(transports, tt)
		}
	}
	now := store.Micros(s.now())
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO passkey_credentials (id, account_id, public_key, sign_count, aaguid,
			transports, attestation_format, name, backup_eligible, backup_state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			credID, u.AccountID, cred.PublicKey, int64(cred.Authenticator.SignCount), cred.Authenticator.AAGUID,
			strings.Join(transports, ","), cred.AttestationFormat, cleanName(name),
			boolInt(cred.Flags.BackupEligible), boolInt(cred.Flags.BackupState), now)
		if store.IsUniqueViolation(err) {
			return fmt.Errorf("%w: credential already registered", ErrInvalidResponse)
		}
		if err != nil {
			return fmt.Errorf("passkey: store credential: %w", err)
		}
		return s.emit(ctx, tx, Event{Action: EventRegistered, AccountID: u.AccountID, CredentialID: credID})
	})
	if err != nil {
		return "", err
	}
	return credID, nil
}

// cleanName keeps a printable, bounded label; an empty one becomes "Passkey".
func cleanName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > maxNameLen {
		name = strings.TrimSpace(string(r[:maxNameLen]))
	}
	if name == "" {
		return "Passkey"
	}
	return name
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
