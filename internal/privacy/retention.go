// Package privacy enforces how long personal data is kept: a retention job
// that deletes or erases, per kind of data, what has outlived its period,
// and reports what it removed.
package privacy

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// Periods are the retention periods per kind of data.
type Periods struct {
	Sessions   time.Duration // ended sessions (revoked or expired), with their sealed IPs
	Tokens     time.Duration // used or expired single-use links and codes
	RawIP      time.Duration // sealed source addresses beside audit entries
	APITokens  time.Duration // revoked or expired personal access tokens
	Challenges time.Duration // passkey ceremony states
}

// DefaultPeriods are conservative defaults: security investigations need
// recent IPs; nothing needs them after 90 days.
var DefaultPeriods = Periods{
	Sessions:   30 * 24 * time.Hour,
	Tokens:     7 * 24 * time.Hour,
	RawIP:      90 * 24 * time.Hour,
	APITokens:  90 * 24 * time.Hour,
	Challenges: 24 * time.Hour,
}

// Report says how many rows each rule removed or erased.
type Report map[string]int64

func (r Report) String() string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, r[k]))
	}
	return strings.Join(parts, " ")
}

// Enforce applies every retention rule once, at time now.
func Enforce(ctx context.Context, db *store.DB, p Periods, now time.Time) (Report, error) {
	cut := func(d time.Duration) int64 { return store.Micros(now.Add(-d)) }
	nowUS := store.Micros(now)
	rules := []struct {
		name, query string
		args        []any
	}{
		{"sessions_deleted", `DELETE FROM sessions WHERE (revoked_at IS NOT NULL AND revoked_at < ?) OR expires_at < ?`,
			[]any{cut(p.Sessions), cut(p.Sessions)}},
		{"links_deleted", `DELETE FROM account_tokens WHERE (used_at IS NOT NULL AND used_at < ?) OR expires_at < ?`,
			[]any{cut(p.Tokens), cut(p.Tokens)}},
		{"codes_deleted", `DELETE FROM mfa_otp WHERE expires_at < ?`, []any{nowUS}},
		{"audit_ips_erased", `UPDATE audit_outbox SET ip_ct = NULL WHERE ip_ct IS NOT NULL AND created_at < ?`, []any{cut(p.RawIP)}},
		{"session_ips_erased", `UPDATE sessions SET ip_ct = NULL WHERE ip_ct IS NOT NULL AND created_at < ?`, []any{cut(p.RawIP)}},
		{"api_tokens_deleted", `DELETE FROM api_tokens WHERE (revoked_at IS NOT NULL AND revoked_at < ?) OR expires_at < ?`,
			[]any{cut(p.APITokens), cut(p.APITokens)}},
		{"passkey_challenges_deleted", `DELETE FROM passkey_challenges WHERE expires_at < ?`, []any{cut(p.Challenges)}},
		{"email_changes_deleted", `DELETE FROM email_changes WHERE expires_at < ?`, []any{nowUS}},
	}
	rep := Report{}
	for _, r := range rules {
		err := db.Tx(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, r.query, r.args...)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			rep[r.name] = n
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("retention %s: %w", r.name, err)
		}
	}
	return rep, nil
}

// Run enforces retention every interval until ctx ends, logging what it
// removed.
func Run(ctx context.Context, db *store.DB, p Periods, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rep, err := Enforce(ctx, db, p, time.Now())
		if err != nil && ctx.Err() == nil {
			log.Error("retention", "err", err)
		} else if err == nil {
			log.Info("retention", "removed", rep.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
