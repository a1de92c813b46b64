package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/store"
)

// Consent purposes and the current versions of their texts.
const (
	ConsentTerms     = "terms"
	ConsentMarketing = "marketing_email"
	ConsentAnalytics = "analytics"
	TermsVersion     = "2026-11"
	MarketingVersion = "2026-11"
	AnalyticsVersion = "2026-11"
)

var consentVersions = map[string]string{ConsentTerms: TermsVersion, ConsentMarketing: MarketingVersion, ConsentAnalytics: AnalyticsVersion}

// Consent is the current state of one purpose.
type Consent struct {
	Purpose string
	Version string
	Granted bool
	At      time.Time
}

func (s *Service) recordConsent(ctx context.Context, tx *store.Tx, account, purpose string, granted bool, m RequestMeta) error {
	v, ok := consentVersions[purpose]
	if !ok {
		return fmt.Errorf("unknown consent purpose %q", purpose)
	}
	g := 0
	if granted {
		g = 1
	}
	if _, err := tx.Exec(ctx, `INSERT INTO consents (account_id, purpose, version, granted, at) VALUES (?, ?, ?, ?, ?)`,
		account, purpose, v, g, store.Micros(s.now())); err != nil {
		return err
	}
	return s.record(ctx, tx, m, account, "privacy.consent", account, audit.Success,
		map[string]string{"purpose": purpose, "version": v, "granted": fmt.Sprint(granted)})
}

// SetConsent records a change of consent for the signed-in account.
func (s *Service) SetConsent(ctx context.Context, sess *Session, purpose string, granted bool, m RequestMeta) error {
	if purpose == ConsentTerms && !granted {
		return fmt.Errorf("withdrawing from the terms means deleting the account")
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error { return s.recordConsent(ctx, tx, sess.Account.ID, purpose, granted, m) })
}

// Consents returns the current state per purpose (purposes never answered
// are absent: no consent).
func (s *Service) Consents(ctx context.Context, account string) ([]Consent, error) {
	rows, err := s.db.Query(ctx, `SELECT purpose, version, granted, at FROM consents c WHERE account_id = ?
		AND at = (SELECT MAX(at) FROM consents WHERE account_id = c.account_id AND purpose = c.purpose) ORDER BY purpose`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Consent
	for rows.Next() {
		var c Consent
		var g int
		var at int64
		if err := rows.Scan(&c.Purpose, &c.Version, &g, &at); err != nil {
			return nil, err
		}
		c.Granted, c.At = g == 1, store.FromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// MarketingAllowed reports whether marketing email may go to the account:
// only with a current, granted consent.
func (s *Service) MarketingAllowed(ctx context.Context, account string) (bool, error) {
	cs, err := s.Consents(ctx, account)
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if c.Purpose == ConsentMarketing {
			return c.Granted, nil
		}
	}
	return false, nil
}
