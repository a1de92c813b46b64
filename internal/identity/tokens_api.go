package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// TokenPrefix starts every personal access token, so that secret
// scanners can recognise a leaked one.
const TokenPrefix = "cit_pat_"

// MaxTokenLifetime bounds a token's expiry.
const MaxTokenLifetime = 90 * 24 * time.Hour

// ErrInvalidAPIToken covers unknown, expired, revoked and malformed tokens.
var ErrInvalidAPIToken = errors.New("invalid or expired API token")

// APIToken describes a token (never its secret).
type APIToken struct {
	ID        string
	Name      string
	Scopes    []authz.Action
	CreatedAt time.Time
	ExpiresAt time.Time
	LastUsed  time.Time
}

// CreateAPIToken makes a scoped, expiring token and returns its secret,
// which is shown once and stored only hashed. It needs a recent step-up,
// and every scope must be an action the account's roles could perform.
func (s *Service) CreateAPIToken(ctx context.Context, sess *Session, name string, scopes []authz.Action, ttl time.Duration, m RequestMeta) (string, error) {
	if !s.SteppedUp(sess) {
		return "", ErrStepUpRequired
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 || !utf8.ValidString(name) {
		return "", errors.New("name the token (1 to 100 characters)")
	}
	if ttl <= 0 || ttl > MaxTokenLifetime {
		return "", fmt.Errorf("a token lives at most %d days", int(MaxTokenLifetime.Hours()/24))
	}
	if len(scopes) == 0 || len(scopes) > 32 {
		return "", errors.New("choose between 1 and 32 scopes")
	}
	names := make([]string, 0, len(scopes))
	for _, a := range scopes {
		if !a.Valid() || !mayHold(sess.Account.Roles, a) {
			return "", fmt.Errorf("scope %q is not available to this account", a)
		}
		names = append(names, string(a))
	}
	sort.Strings(names)
	secret := TokenPrefix + ids.Token(32)
	id := ids.New("tok")
	now := s.now()
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, account_id, name, scopes, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, sess.Account.ID, name, strings.Join(names, " "), hashSecret(secret), store.Micros(now), store.Micros(now.Add(ttl))); err != nil {
			return err
		}
		return s.record(ctx, tx, m, sess.Account.ID, "api_token.create", id, audit.Success, map[string]string{"scopes": strings.Join(names, " ")})
	})
	return secret, err
}

// mayHold reports whether any of the roles (or every account's
// self-service role) has a grant for the action.
func mayHold(roles []authz.Role, a authz.Action) bool {
	for _, r := range append([]authz.Role{authz.AccountHolder}, roles...) {
		if _, ok := authz.Allowed(r, a); ok {
			return true
		}
	}
	return false
}

// APIPrincipal is an account acting through a token, limited to its scopes.
type APIPrincipal struct {
	Account *Account
	TokenID string
	Scopes  []authz.Action
}

// Can reports whether the token's scopes include the action; authz still
// decides on the object.
func (p *APIPrincipal) Can(a authz.Action) bool {
	for _, s := range p.Scopes {
		if s == a {
			return true
		}
	}
	return false
}

// AuthenticateAPIToken checks a bearer token.
func (s *Service) AuthenticateAPIToken(ctx context.Context, secret string) (*APIPrincipal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return nil, ErrInvalidAPIToken
	}
	var id, account, scopes string
	var expires int64
	var revoked, used sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT id, account_id, scopes, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = ?`,
		hashSecret(secret)).Scan(&id, &account, &scopes, &expires, &revoked, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInvalidAPIToken
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if revoked.Valid || now.After(store.FromMicros(expires)) {
		return nil, ErrInvalidAPIToken
	}
	a, err := s.account(ctx, s.db, account)
	if err != nil {
		return nil, ErrInvalidAPIToken
	}
	p := &APIPrincipal{Account: a, TokenID: id}
	for _, sc := range strings.Fields(scopes) {
		// A role removed since creation takes the scope with it.
		if act := authz.Action(sc); mayHold(a.Roles, act) {
			p.Scopes = append(p.Scopes, act)
		}
	}
	if !used.Valid || now.Sub(store.FromMicros(used.Int64)) > time.Minute {
		s.db.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, store.Micros(now), id)
	}
	return p, nil
}

// APITokens lists the account's live tokens.
func (s *Service) APITokens(ctx context.Context, sess *Session) ([]APIToken, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, scopes, created_at, expires_at, last_used_at FROM api_tokens
		WHERE account_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC`, sess.Account.ID, store.Micros(s.now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var scopes string
		var c, e int64
		var u sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Name, &scopes, &c, &e, &u); err != nil {
			return nil, err
		}
		for _, sc := range strings.Fields(scopes) {
			t.Scopes = append(t.Scopes, authz.Action(sc))
		}
		t.CreatedAt, t.ExpiresAt = store.FromMicros(c), store.FromMicros(e)
		if u.Valid {
			t.LastUsed = store.FromMicros(u.Int64)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes one of the account's tokens; another account's
// token is ErrNotFound.
func (s *Service) RevokeAPIToken(ctx context.Context, sess *Session, id string, m RequestMeta) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL`,
			store.Micros(s.now()), id, sess.Account.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return store.ErrNotFound
		}
		return s.record(ctx, tx, m, sess.Account.ID, "api_token.revoke", id, audit.Success, nil)
	})
}
