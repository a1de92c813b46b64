package payment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// Test cards of the simulated acquirer. All pass the Luhn check; any
// expiry in the future and any well-formed security code are accepted.
// Every other valid number is approved.
const (
	CardApprove      = "4242 4242 4242 4242" // Visa: approved
	CardApproveMC    = "5555 5555 5555 4444" // Mastercard: approved
	CardApproveAmex  = "3782 822463 10005"   // American Express: approved (4-digit code)
	CardDecline      = "4000 0000 0000 0002" // declined: card_declined
	CardInsufficient = "4000 0000 0000 9995" // declined: insufficient_funds
	CardChallenge    = "4000 0000 0000 3220" // 3-D Secure challenge, then approved or declined
	CardNetworkError = "4000 0000 0000 0119" // recorded, then the answer is lost (timeout); a retry finds it approved
)

// Simulator is a card acquirer for development and tests. It keeps its
// side in its own tables (sim_acquirer_*), with its own idempotency keys,
// so it survives restarts as a real acquirer would, and it never stores a
// card number. Faults can be injected to lose answers.
type Simulator struct {
	db  *store.DB
	now func() time.Time

	mu     sync.Mutex
	faults []Fault
}

// Fault makes the next call of Op fail with ErrTimeout. With
// AfterEffect, the call takes effect first and only its answer is lost.
type Fault struct {
	Op          string // authorize | capture | refund | void
	AfterEffect bool
}

// NewSimulator builds the simulated acquirer over db; now nil is
// time.Now.
func NewSimulator(db *store.DB, now func() time.Time) *Simulator {
	if now == nil {
		now = time.Now
	}
	return &Simulator{db: db, now: now}
}

// Name implements Provider.
func (s *Simulator) Name() string { return "sim" }

// Inject queues a fault for the next call of its operation.
func (s *Simulator) Inject(f Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// fault takes the queued fault for op, if any.
func (s *Simulator) fault(op string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Op == op {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return f, true
		}
	}
	return Fault{}, false
}

// do runs op's effect under its idempotency key: a key seen before
// returns the object it recorded; otherwise effect runs and the key is
// recorded with its result, in one transaction. Injected faults and the
// network-error card lose the answer before or after the effect.
func (s *Simulator) do(ctx context.Context, op, key string, lose bool, effect func(tx *store.Tx) (string, error)) (string, error) {
	f, faulty := s.fault(op)
	if faulty && !f.AfterEffect {
		return "", ErrTimeout
	}
	var id string
	var replay bool
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var seenOp string
		err := tx.QueryRow(ctx, `SELECT op, object_id FROM sim_acquirer_idempotency WHERE key = ?`, key).Scan(&seenOp, &id)
		if err == nil {
			replay = true
			if seenOp != op {
				return fmt.Errorf("%w: idempotency key reused for %s", ErrProviderRefused, op)
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if id, err = effect(tx); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO sim_acquirer_idempotency (key, op, object_id, created_at) VALUES (?, ?, ?, ?)`,
			key, op, id, store.Micros(s.now()))
		return err
	})
	if store.IsUniqueViolation(err) { // a concurrent call with the same key won
		err = s.db.QueryRow(ctx, `SELECT object_id FROM sim_acquirer_idempotency WHERE key = ? AND op = ?`, key, op).Scan(&id)
		replay = true
	}
	if err != nil {
		return "", err
	}
	if (faulty && f.AfterEffect) || (lose && !replay) {
		return "", ErrTimeout
	}
	return id, nil
}

// Authorize implements Provider.
func (s *Simulator) Authorize(ctx context.Context, r AuthRequest) (Auth, error) {
	if r.IdempotencyKey == "" || r.Card.IsZero() || r.Amount.Minor <= 0 {
		return Auth{}, fmt.Errorf("%w: incomplete authorisation request", ErrProviderRefused)
	}
	num := r.Card.Reveal()
	lose := num == digitsOf(CardNetworkError)
	id, err := s.do(ctx, "authorize", r.IdempotencyKey, lose, func(tx *store.Tx) (string, error) {
		a := Auth{ID: ids.New("sau"), Status: Approved}
		switch num {
		case digitsOf(CardDecline):
			a.Status, a.DeclineCode = Declined, "card_declined"
		case digitsOf(CardInsufficient):
			a.Status, a.DeclineCode = Declined, "insufficient_funds"
		case digitsOf(CardChallenge):
			a.Status, a.ChallengeID = ChallengeRequired, ids.New("sch")
		}
		now := store.Micros(s.now())
		_, err := tx.Exec(ctx, `INSERT INTO sim_acquirer_auths (id, status, decline_code, challenge_id, brand, last4, amount,
				currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, string(a.Status), a.DeclineCode, a.ChallengeID, string(r.Card.Brand()), r.Card.Last4(),
			r.Amount.Minor, string(r.Amount.Currency), now, now)
		return a.ID, err
	})
	if err != nil {
		return Auth{}, err
	}
	return s.auth(ctx, s.db, id)
}

// LookupAuth implements Provider.
func (s *Simulator) LookupAuth(ctx context.Context, key string) (Auth, error) {
	var id string
	err := s.db.QueryRow(ctx, `SELECT object_id FROM sim_acquirer_idempotency WHERE key = ? AND op = 'authorize'`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Auth{}, ErrUnknownAuth
	}
	if err != nil {
		return Auth{}, err
	}
	return s.auth(ctx, s.db, id)
}

func (s *Simulator) auth(ctx context.Context, q store.Querier, id string) (Auth, error) {
	a := Auth{ID: id}
	var status string
	err := q.QueryRow(ctx, `SELECT status, decline_code, challenge_id FROM sim_acquirer_auths WHERE id = ?`, id).
		Scan(&status, &a.DeclineCode, &a.ChallengeID)
	if errors.Is(err, sql.ErrNoRows) {
		return Auth{}, ErrUnknownAuth
	}
	a.Status = AuthStatus(status)
	return a, err
}

// CompleteChallenge is the buyer's 3-D Secure step: passed approves the
// authorisation waiting on challengeID, otherwise it is declined
// (authentication_failed). A challenge already completed is left alone.
func (s *Simulator) CompleteChallenge(ctx context.Context, challengeID string, passed bool) error {
	status, code := Approved, ""
	if !passed {
		status, code = Declined, "authentication_failed"
	}
	res, err := s.db.Exec(ctx, `UPDATE sim_acquirer_auths SET status = ?, decline_code = ?, updated_at = ?
		WHERE challenge_id = ? AND status = 'challenge'`, string(status), code, store.Micros(s.now()), challengeID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var c int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM sim_acquirer_auths WHERE challenge_id = ?`, challengeID).Scan(&c); err != nil {
			return err
		}
		if c == 0 {
			return store.ErrNotFound
		}
	}
	return nil
}

// digitsOf strips the spaces of a test card constant.
func digitsOf(s string) string {
	p, err := ParsePAN(s)
	if err != nil {
		panic("payment: bad test card " + s)
	}
	return p.digits
}

// lockAuth reads an authorisation inside tx, locked on PostgreSQL.
func lockAuth(ctx context.Context, tx *store.Tx, id string) (status, currency string, amount, captured, refunded int64, err error) {
	q := `SELECT status, currency, amount, captured, refunded FROM sim_acquirer_auths WHERE id = ?`
	if tx.Engine() == store.Postgres {
		q += ` FOR UPDATE`
	}
	err = tx.QueryRow(ctx, q, id).Scan(&status, &currency, &amount, &captured, &refunded)
	if errors.Is(err, sql.ErrNoRows) {
		err = fmt.Errorf("%w: no authorisation %s", ErrProviderRefused, id)
	}
	return
}

// Capture implements Provider.
func (s *Simulator) Capture(ctx context.Context, authID string, amount money.Amount, key string) (string, error) {
	return s.do(ctx, "capture", key, false, func(tx *store.Tx) (string, error) {
		status, cur, authorised, captured, _, err := lockAuth(ctx, tx, authID)
		if err != nil {
			return "", err
		}
		if status != string(Approved) || cur != string(amount.Currency) || amount.Minor <= 0 || captured+amount.Minor > authorised {
			return "", fmt.Errorf("%w: capture of %s on a %s authorisation of %s with %d captured",
				ErrProviderRefused, amount, status, money.New(authorised, money.Currency(cur)), captured)
		}
		return s.op(ctx, tx, "capture", "sca", authID, amount, `captured = captured + ?`)
	})
}

// Refund implements Provider.
func (s *Simulator) Refund(ctx context.Context, captureID string, amount money.Amount, key string) (string, error) {
	return s.do(ctx, "refund", key, false, func(tx *store.Tx) (string, error) {
		var authID string
		if err := tx.QueryRow(ctx, `SELECT auth_id FROM sim_acquirer_ops WHERE id = ? AND kind = 'capture'`, captureID).Scan(&authID); err != nil {
			return "", fmt.Errorf("%w: no capture %s", ErrProviderRefused, captureID)
		}
		_, cur, _, captured, refunded, err := lockAuth(ctx, tx, authID)
		if err != nil {
			return "", err
		}
		if cur != string(amount.Currency) || amount.Minor <= 0 || refunded+amount.Minor > captured {
			return "", fmt.Errorf("%w: refund of %s with %d of %d already refunded", ErrProviderRefused, amount, refunded, captured)
		}
		return s.op(ctx, tx, "refund", "srf", authID, amount, `refunded = refunded + ?`)
	})
}

func (s *Simulator) op(ctx context.Context, tx *store.Tx, kind, prefix, authID string, amount money.Amount, set string) (string, error) {
	id := ids.New(prefix)
	now := store.Micros(s.now())
	if _, err := tx.Exec(ctx, `INSERT INTO sim_acquirer_ops (id, kind, auth_id, amount, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, kind, authID, amount.Minor, string(amount.Currency), now); err != nil {
		return "", err
	}
	_, err := tx.Exec(ctx, `UPDATE sim_acquirer_auths SET `+set+`, updated_at = ? WHERE id = ?`, amount.Minor, now, authID)
	return id, err
}

// Void implements Provider. Voiding a declined or already voided
// authorisation is a no-op; a captured one cannot be voided.
func (s *Simulator) Void(ctx context.Context, authID, key string) error {
	_, err := s.do(ctx, "void", key, false, func(tx *store.Tx) (string, error) {
		status, _, _, captured, _, err := lockAuth(ctx, tx, authID)
		if err != nil {
			return "", err
		}
		if captured > 0 {
			return "", fmt.Errorf("%w: authorisation %s is captured", ErrProviderRefused, authID)
		}
		if status == string(Approved) || status == string(ChallengeRequired) {
			_, err = tx.Exec(ctx, `UPDATE sim_acquirer_auths SET status = 'voided', updated_at = ? WHERE id = ?`,
				store.Micros(s.now()), authID)
		}
		return authID, err
	})
	return err
}
