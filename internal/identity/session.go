package identity

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
)

// Session is a verified, live session: only Service.Session and SignIn
// make one, so a handler holding a *Session knows it was checked.
type Session struct {
	Handle    string // public name (for the sessions page), not the secret
	Account   *Account
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
	Idle      time.Duration
	MFAAt     time.Time
	UserAgent string
	Current   bool
	// Pending is true between the password and the second factor: such a
	// session opens only the second-factor page.
	Pending bool
	idHash  []byte
}

// Actor is the session's authz view.
func (s *Session) Actor() authz.Actor { return s.Account.Actor(s.MFAAt) }

// touchEvery bounds how often a session's last-seen time is written.
const touchEvery = time.Minute

// newSession opens a session. pending sessions (password passed, second
// factor not yet) live only mfaStageTTL; mfaAt is when a second factor
// was last verified (zero for none).
func (s *Service) newSession(ctx context.Context, tx *store.Tx, a *Account, pending bool, mfaAt time.Time, m RequestMeta) (*Session, string, error) {
	secret := ids.Token(32) // 256 bits
	now := s.now()
	sess := &Session{Handle: ids.New("ses"), Account: a, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(s.cfg.AbsoluteTimeout), Idle: authz.IdleTimeout(a.Roles), UserAgent: truncate(m.UserAgent, 256),
		idHash: hashSecret(secret), Current: true, Pending: pending, MFAAt: mfaAt}
	stage := "full"
	if pending {
		stage, sess.ExpiresAt = "mfa", now.Add(mfaStageTTL)
	}
	var mfa any
	if !mfaAt.IsZero() {
		mfa = store.Micros(mfaAt)
	}
	var ipCT []byte
	if m.IP != "" {
		ct, err := s.keys.SealString(ctx, keyring.Confidential, keyring.Field{Table: "sessions", Column: "ip", Row: sess.Handle}, m.IP)
		if err != nil {
			return nil, "", err
		}
		ipCT = ct
	}
	_, err := tx.Exec(ctx, `INSERT INTO sessions (id_hash, handle, account_id, created_at, last_seen_at, expires_at, idle_seconds, ip_ct, user_agent, stage, mfa_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sess.idHash, sess.Handle, a.ID, store.Micros(now), store.Micros(now),
		store.Micros(sess.ExpiresAt), int(sess.Idle/time.Second), ipCT, sess.UserAgent, stage, mfa)
	if err != nil {
		return nil, "", err
	}
	return sess, secret, nil
}

// Session checks a session cookie's secret: known, not revoked, fully
// signed in, within its idle and absolute limits, for an active account.
func (s *Service) Session(ctx context.Context, secret string) (*Session, error) {
	return s.lookup(ctx, secret, "full")
}

// PendingSession returns a session waiting for its second factor.
func (s *Service) PendingSession(ctx context.Context, secret string) (*Session, error) {
	return s.lookup(ctx, secret, "mfa")
}

func (s *Service) lookup(ctx context.Context, secret, stage string) (*Session, error) {
	if len(secret) < 40 || len(secret) > 64 {
		return nil, ErrNoSession
	}
	h := hashSecret(secret)
	var account string
	var created, seen, expires int64
	var idle int
	var mfa, revoked sql.NullInt64
	sess := &Session{}
	var stored []byte
	err := s.db.QueryRow(ctx, `SELECT id_hash, handle, account_id, created_at, last_seen_at, expires_at, idle_seconds, mfa_at, revoked_at, user_agent
		FROM sessions WHERE id_hash = ? AND stage = ?`, h, stage).Scan(&stored, &sess.Handle, &account, &created, &seen, &expires, &idle, &mfa, &revoked, &sess.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	// The lookup is by hash; compare again in constant time anyway.
	if subtle.ConstantTimeCompare(stored, h) != 1 || revoked.Valid {
		return nil, ErrNoSession
	}
	now := s.now()
	sess.CreatedAt, sess.LastSeen, sess.ExpiresAt = store.FromMicros(created), store.FromMicros(seen), store.FromMicros(expires)
	sess.Idle, sess.idHash, sess.Current, sess.Pending = time.Duration(idle)*time.Second, h, true, stage == "mfa"
	if mfa.Valid {
		sess.MFAAt = store.FromMicros(mfa.Int64)
	}
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeen) > sess.Idle {
		return nil, ErrNoSession
	}
	if sess.Account, err = s.account(ctx, s.db, account); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNoSession
		}
		return nil, err
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, store.Micros(now), h); err != nil {
			return nil, err
		}
		sess.LastSeen = now
	}
	return sess, nil
}

// SignOut revokes the session server-side.
func (s *Service) SignOut(ctx context.Context, sess *Session, m RequestMeta) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL`, store.Micros(s.now()), sess.idHash); err != nil {
			return err
		}
		return s.record(ctx, tx, m, sess.Account.ID, "auth.signout", sess.Handle, audit.Success, nil)
	})
}

// Sessions lists the account's live sessions, marking the current one.
func (s *Service) Sessions(ctx context.Context, current *Session) ([]Session, error) {
	now := s.now()
	rows, err := s.db.Query(ctx, `SELECT handle, created_at, last_seen_at, expires_at, idle_seconds, user_agent FROM sessions
		WHERE account_id = ? AND revoked_at IS NULL AND stage = 'full' AND expires_at > ? ORDER BY last_seen_at DESC`, current.Account.ID, store.Micros(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var x Session
		var c, l, e int64
		var idle int
		if err := rows.Scan(&x.Handle, &c, &l, &e, &idle, &x.UserAgent); err != nil {
			return nil, err
		}
		x.CreatedAt, x.LastSeen, x.ExpiresAt, x.Idle = store.FromMicros(c), store.FromMicros(l), store.FromMicros(e), time.Duration(idle)*time.Second
		if now.Sub(x.LastSeen) > x.Idle {
			continue
		}
		x.Current = x.Handle == current.Handle
		out = append(out, x)
	}
	return out, rows.Err()
}

// RevokeSession revokes one of the actor's own sessions by handle. A
// handle of another account's session is ErrNotFound: nothing changes.
func (s *Service) RevokeSession(ctx context.Context, actor *Session, handle string, m RequestMeta) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE handle = ? AND account_id = ? AND revoked_at IS NULL`,
			store.Micros(s.now()), handle, actor.Account.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return store.ErrNotFound
		}
		return s.record(ctx, tx, m, actor.Account.ID, "auth.session_revoked", handle, audit.Success, nil)
	})
}

// truncate cuts s to at most n bytes of valid UTF-8 (PostgreSQL refuses
// invalid UTF-8 in TEXT, and a User-Agent is attacker-chosen bytes).
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}
