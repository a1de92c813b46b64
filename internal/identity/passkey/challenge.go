package passkey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/citadel-store/citadel/internal/store"
)

// Ceremony kinds. A state token begun for one kind is refused by the
// Finish of another, so a document-signing challenge never signs anyone
// in and a sign-in challenge never signs a document.
const (
	kindRegister = "register"
	kindLogin    = "login"
	kindSign     = "sign"
)

// challenge is a ceremony's server-side state.
type challenge struct {
	accountID string // "" for a discoverable sign-in
	session   webauthn.SessionData
}

// stateID is the row ID for a state token. Only the hash is stored, so a
// copy of the table cannot finish anyone's ceremony.
func stateID(token string) string {
	h := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// saveChallenge stores the session data and returns a fresh 256-bit state
// token. Expired rows are swept on the way, which bounds the table to the
// ceremonies begun in the last five minutes.
func (s *Service) saveChallenge(ctx context.Context, kind, accountID string, sd *webauthn.SessionData) (string, error) {
	buf := make([]byte, 32)
	rand.Read(buf)
	token := base64.RawURLEncoding.EncodeToString(buf)
	now := s.now()
	sd.Expires = now.Add(challengeTTL)
	body, err := json.Marshal(sd)
	if err != nil {
		return "", fmt.Errorf("passkey: encode session: %w", err)
	}
	var acct any
	if accountID != "" {
		acct = accountID
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM passkey_challenges WHERE expires_at < ?`, store.Micros(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO passkey_challenges (id, account_id, kind, session_data, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, stateID(token), acct, kind, string(body), store.Micros(now), store.Micros(sd.Expires))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("passkey: save challenge: %w", err)
	}
	return token, nil
}

// takeChallenge marks the state used and returns it. It succeeds once per
// token: the UPDATE that claims the row is also the check, so two
// concurrent Finish calls cannot both win. Unknown, used, expired and
// other-kind tokens all give ErrChallengeExpired.
func (s *Service) takeChallenge(ctx context.Context, kind, token string) (*challenge, error) {
	if len(token) == 0 || len(token) > 100 {
		return nil, ErrChallengeExpired
	}
	id := stateID(token)
	now := store.Micros(s.now())
	var (
		acct sql.NullString
		body string
	)
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE passkey_challenges SET used_at = ?
			WHERE id = ? AND kind = ? AND used_at IS NULL AND expires_at > ?`, now, id, kind, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrChallengeExpired
		}
		return tx.QueryRow(ctx, `SELECT account_id, session_data FROM passkey_challenges WHERE id = ?`, id).Scan(&acct, &body)
	})
	if errors.Is(err, ErrChallengeExpired) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("passkey: take challenge: %w", err)
	}
	c := &challenge{accountID: acct.String}
	if err := json.Unmarshal([]byte(body), &c.session); err != nil {
		return nil, fmt.Errorf("passkey: decode session: %w", err)
	}
	return c, nil
}
