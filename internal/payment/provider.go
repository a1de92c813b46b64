package payment

import (
	"context"
	"errors"

	"github.com/citadel-store/citadel/internal/money"
)

// Provider is a card acquirer: the simulated one (Simulator) or a real
// one behind an adapter. Authorisation and capture are separate, and
// every call carries an idempotency key: a call repeated with a key the
// provider has seen has no second effect and answers about the object
// the first call created. That is what makes a timeout safe to retry.
type Provider interface {
	// Name is stored with each payment ("sim", "stripe").
	Name() string
	// Authorize reserves the amount on the card. With a key already used
	// it returns the current state of the authorisation that key created
	// (approved after a completed 3-D Secure challenge, say).
	Authorize(ctx context.Context, r AuthRequest) (Auth, error)
	// LookupAuth finds the authorisation an earlier Authorize created with
	// key, when its answer was lost; ErrUnknownAuth if there is none.
	LookupAuth(ctx context.Context, key string) (Auth, error)
	// Capture takes amount (at most what was authorised) and returns the
	// capture's ID.
	Capture(ctx context.Context, authID string, amount money.Amount, key string) (string, error)
	// Refund returns amount of a capture to the card and returns the
	// refund's ID.
	Refund(ctx context.Context, captureID string, amount money.Amount, key string) (string, error)
	// Void releases an authorisation that will not be captured.
	Void(ctx context.Context, authID, key string) error
}

// AuthRequest asks for an authorisation. Card is the only place a
// number travels outside the vault; CVV is used for this call and
// forgotten.
type AuthRequest struct {
	IdempotencyKey string
	Card           PAN
	ExpMonth       int
	ExpYear        int
	CVV            string
	Amount         money.Amount
}

// AuthStatus is a provider's answer to an authorisation.
type AuthStatus string

const (
	Approved          AuthStatus = "approved"
	Declined          AuthStatus = "declined"
	ChallengeRequired AuthStatus = "challenge" // 3-D Secure: the buyer must authenticate first
	Voided            AuthStatus = "voided"
)

// Auth is an authorisation as the provider keeps it.
type Auth struct {
	ID          string
	Status      AuthStatus
	DeclineCode string // with Declined: card_declined, insufficient_funds, authentication_failed...
	ChallengeID string // with ChallengeRequired: where the buyer authenticates
}

// Provider errors.
var (
	// ErrTimeout: the provider did not answer (or the answer was lost).
	// The call may or may not have taken effect: repeat it with the same
	// key, or let Reconcile do so.
	ErrTimeout = errors.New("payment: the card processor did not answer in time")
	// ErrUnknownAuth: LookupAuth found no authorisation under the key.
	ErrUnknownAuth = errors.New("payment: the card processor has no such authorisation")
	// ErrProviderRefused: the provider refused a capture, refund or void
	// (nothing authorised, amount too large, already voided). Permanent.
	ErrProviderRefused = errors.New("payment: the card processor refused the operation")
)
