package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/citadel-store/citadel/internal/store"
)

// CompleteChallenge goes on with a payment whose buyer has been through
// 3-D Secure: it asks the provider how the authorisation stands and, if
// approved, captures and books it as Pay would. A payment still waiting
// returns with StatusChallenge; a failed challenge is a *DeclineError;
// a payment no longer waiting returns its outcome (a replay moves
// nothing).
func (s *Service) CompleteChallenge(ctx context.Context, buyerID, paymentID string) (Payment, error) {
	p, err := s.Get(ctx, buyerID, paymentID)
	if err != nil {
		return Payment{}, err
	}
	if p.Status == StatusChallenge {
		a, err := s.prov.LookupAuth(ctx, p.authKey())
		if errors.Is(err, ErrTimeout) {
			return p, ErrPending
		}
		if err != nil {
			return p, err
		}
		if p, err = s.authorised(ctx, p, a); errors.Is(err, errMoved) {
			p, err = s.load(ctx, s.db, `id = ?`, p.ID)
		}
		if err != nil {
			return p, err
		}
	}
	return s.advance(ctx, p, "")
}

// Reconciled counts what one Reconcile run settled.
type Reconciled struct {
	Payments int // unsettled payments looked at
	Refunds  int // queued refunds sent
}

// Reconcile settles what lost answers left open: every payment that
// has been authorising, capturing, voiding or reversing for longer than
// Config.SettleAfter is asked about with the same provider keys (an
// authorisation the provider never recorded fails; nothing was charged),
// a 3-D Secure challenge older than Config.ChallengeTTL, or whose orders
// went away, is voided, and every queued refund is sent. It is
// idempotent; the application runs it every minute or so. Errors of
// single payments are joined and returned after the run.
func (s *Service) Reconcile(ctx context.Context) (Reconciled, error) {
	var out Reconciled
	var errs []error
	ids, err := s.idsOf(ctx, `SELECT id FROM payments WHERE status IN ('authorising', 'challenge', 'capturing', 'voiding', 'reversing')
		AND updated_at <= ? ORDER BY updated_at, id LIMIT 1000`, store.Micros(s.settleAge()))
	if err != nil {
		return out, err
	}
	for _, id := range ids {
		out.Payments++
		if err := s.settle(ctx, id); err != nil && !isOutcome(err) {
			errs = append(errs, fmt.Errorf("payment %s: %w", id, err))
		}
	}
	rids, err := s.idsOf(ctx, `SELECT id FROM payment_refunds WHERE status = 'pending' AND updated_at <= ?
		ORDER BY created_at, id LIMIT 1000`, store.Micros(s.settleAge()))
	if err != nil {
		return out, err
	}
	for _, id := range rids {
		if err := s.SendRefund(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("refund %s: %w", id, err))
			continue
		}
		out.Refunds++
	}
	return out, errors.Join(errs...)
}

// isOutcome reports whether err is a payment's settled outcome rather
// than a failure to settle it.
func isOutcome(err error) bool {
	return errors.Is(err, ErrDeclined) || errors.Is(err, ErrNotPayable) || errors.Is(err, ErrFailed)
}

func (s *Service) settle(ctx context.Context, id string) error {
	p, err := s.load(ctx, s.db, `id = ?`, id)
	if err != nil {
		return err
	}
	switch p.Status {
	case StatusAuthorising, StatusChallenge:
		a, err := s.prov.LookupAuth(ctx, p.authKey())
		if errors.Is(err, ErrUnknownAuth) && p.Status == StatusAuthorising {
			return s.fail(ctx, p, StatusAuthorising, "not_recorded")
		}
		if err != nil {
			return err
		}
		if a.Status == ChallengeRequired {
			if p.Status == StatusAuthorising {
				_, err = s.authorised(ctx, p, a)
				return err
			}
			ok, err := s.payableNow(ctx, p)
			if err != nil {
				return err
			}
			if ok && p.UpdatedAt.After(s.now().Add(-s.cfg.ChallengeTTL)) {
				return nil // the buyer still has time
			}
			p.Status = StatusVoiding
			if err := s.db.Tx(ctx, func(tx *store.Tx) error { return s.setStatus(ctx, tx, &p, StatusChallenge) }); err != nil {
				return err
			}
			_, err = s.advance(ctx, p, "")
			return err
		}
		if p, err = s.authorised(ctx, p, a); err != nil {
			return err
		}
	}
	_, err = s.advance(ctx, p, "")
	return err
}

// fail ends a payment the provider never authorised.
func (s *Service) fail(ctx context.Context, p Payment, from Status, code string) error {
	p.Status, p.DeclineCode = StatusFailed, code
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := s.setStatus(ctx, tx, &p, from); err != nil {
			return err
		}
		return s.record(ctx, tx, "system", "payment.failed", p.ID, map[string]string{"reason": code})
	})
}

// payableNow reports, in a transaction of its own, whether the payment's orders all
// still wait for payment.
func (s *Service) payableNow(ctx context.Context, p Payment) (bool, error) {
	var ok bool
	err := s.db.Tx(ctx, func(tx *store.Tx) (err error) {
		ok, err = s.stillPayable(ctx, tx, p)
		return err
	})
	return ok, err
}

func (s *Service) idsOf(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
