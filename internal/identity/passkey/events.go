package passkey

import (
	"context"

	"github.com/citadel-store/citadel/internal/store"
)

// Actions of the events a Service reports to its recorder.
const (
	EventRegistered = "passkey.registered"
	EventRemoved    = "passkey.removed"
	EventUsed       = "passkey.used" // a sign-in or a document signature verified
)

// Event is a change to an account's passkeys, reported inside the
// transaction that makes it, so the security log and the change commit
// together or not at all. Failures are not reported here: the caller sees
// the error and records it with the request's address and user agent.
type Event struct {
	Action       string
	AccountID    string
	CredentialID string
}

// Recorder writes an event in the given transaction; an error rolls the
// change back.
type Recorder func(ctx context.Context, tx *store.Tx, e Event) error

// WithRecorder returns a copy of the service that reports each change to
// rec. The original is unchanged.
func (s *Service) WithRecorder(rec Recorder) *Service {
	c := *s
	c.record = rec
	return &c
}

func (s *Service) emit(ctx context.Context, tx *store.Tx, e Event) error {
	if s.record == nil {
		return nil
	}
	return s.record(ctx, tx, e)
}
