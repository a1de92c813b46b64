package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
)

// errMoved means another caller advanced the payment first: reload it.
var errMoved = errors.New("payment: advanced concurrently")

// advance drives a payment as far as it can go now. cvv is empty when
// the caller has none (a replay, CompleteChallenge, Reconcile): an
// authorisation is then looked up rather than made.
func (s *Service) advance(ctx context.Context, p Payment, cvv string) (Payment, error) {
	for range 10 {
		var err error
		switch p.Status {
		case StatusAuthorising:
			p, err = s.authorise(ctx, p, cvv)
		case StatusCapturing:
			p, err = s.capture(ctx, p)
		case StatusVoiding:
			p, err = s.void(ctx, p)
		case StatusReversing:
			p, err = s.reverse(ctx, p)
		case StatusChallenge, StatusCaptured:
			return p, nil
		case StatusDeclined:
			return p, &DeclineError{p.DeclineCode}
		case StatusVoided, StatusReversed:
			return p, ErrNotPayable
		case StatusFailed:
			return p, ErrFailed
		default:
			return p, fmt.Errorf("payment %s: unknown status %q", p.ID, p.Status)
		}
		if errors.Is(err, errMoved) {
			p, err = s.load(ctx, s.db, `id = ?`, p.ID)
		}
		if err != nil {
			return p, err
		}
	}
	return p, ErrPending
}

// authorise asks the provider, or, without a CVV, looks the
// authorisation up.
func (s *Service) authorise(ctx context.Context, p Payment, cvv string) (Payment, error) {
	var a Auth
	var err error
	if cvv == "" {
		a, err = s.prov.LookupAuth(ctx, p.authKey())
		if errors.Is(err, ErrUnknownAuth) {
			return p, ErrPending // the buyer's retry with a CVV, or Reconcile, settles it
		}
	} else {
		pan, info, verr := s.vault.card(ctx, p.token)
		if verr != nil {
			return p, verr
		}
		a, err = s.prov.Authorize(ctx, AuthRequest{IdempotencyKey: p.authKey(), Card: pan, ExpMonth: info.ExpMonth,
			ExpYear: info.ExpYear, CVV: cvv, Amount: p.Amount})
	}
	if errors.Is(err, ErrTimeout) {
		return p, ErrPending
	}
	if err != nil {
		return p, err
	}
	return s.authorised(ctx, p, a)
}

// authorised records the provider's answer to an authorisation.
func (s *Service) authorised(ctx context.Context, p Payment, a Auth) (Payment, error) {
	from := p.Status
	p.AuthID = a.ID
	switch a.Status {
	case Declined, Voided:
		p.Status, p.DeclineCode = StatusDeclined, a.DeclineCode
		if p.DeclineCode == "" {
			p.DeclineCode = "voided"
		}
	case ChallengeRequired:
		if from == StatusChallenge {
			return p, nil // still waiting for the buyer
		}
		p.Status, p.ChallengeID = StatusChallenge, a.ChallengeID
	case Approved:
		p.Status = StatusCapturing
	default:
		return p, fmt.Errorf("payment %s: provider answered %q", p.ID, a.Status)
	}
	want := p
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		p = want                         // a retried transaction starts over
		if p.Status == StatusCapturing { // still payable? If not, void rather than capture.
			ok, err := s.stillPayable(ctx, tx, p)
			if err != nil {
				return err
			}
			if !ok {
				p.Status = StatusVoiding
			}
		}
		if err := s.setStatus(ctx, tx, &p, from); err != nil {
			return err
		}
		switch p.Status {
		case StatusDeclined:
			return s.record(ctx, tx, p.BuyerID, "payment.declined", p.ID, map[string]string{"code": p.DeclineCode,
				"checkout": p.CheckoutID})
		case StatusVoiding:
			return s.record(ctx, tx, "system", "payment.void", p.ID, map[string]string{"reason": "orders no longer payable"})
		}
		return nil
	})
	return p, err
}

// stillPayable locks the payment's orders and reports whether every one
// still waits for payment within its window.
func (s *Service) stillPayable(ctx context.Context, tx *store.Tx, p Payment) (bool, error) {
	for _, id := range p.OrderIDs {
		o, err := s.orders.ForUpdate(ctx, tx, id)
		if err != nil {
			return false, err
		}
		if o.Status != order.PendingPayment || !s.now().Before(o.ExpiresAt) {
			return false, nil
		}
	}
	return true, nil
}

// setStatus moves the payment from status from to p.Status, with its
// provider references; errMoved if it was not in from any more.
func (s *Service) setStatus(ctx context.Context, tx *store.Tx, p *Payment, from Status) error {
	now := s.now()
	res, err := tx.Exec(ctx, `UPDATE payments SET status = ?, auth_id = ?, capture_id = ?, challenge_id = ?, decline_code = ?,
			updated_at = ? WHERE id = ? AND status = ?`,
		string(p.Status), p.AuthID, p.CaptureID, p.ChallengeID, p.DeclineCode, store.Micros(now), p.ID, string(from))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errMoved
	}
	p.UpdatedAt = store.FromMicros(store.Micros(now))
	return nil
}

// void releases the authorisation of a payment whose orders went away.
func (s *Service) void(ctx context.Context, p Payment) (Payment, error) {
	if p.AuthID != "" {
		err := s.prov.Void(ctx, p.AuthID, p.voidKey())
		if errors.Is(err, ErrTimeout) {
			return p, ErrPending
		}
		if err != nil {
			return p, err
		}
	}
	p.Status = StatusVoided
	err := s.db.Tx(ctx, func(tx *store.Tx) error { return s.setStatus(ctx, tx, &p, StatusVoiding) })
	return p, err
}

// settleAge is how old an unsettled payment must be for Reconcile.
func (s *Service) settleAge() time.Time { return s.now().Add(-s.cfg.SettleAfter) }
