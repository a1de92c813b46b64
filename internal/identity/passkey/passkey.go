// Package passkey registers WebAuthn credentials (passkeys and security
// keys) and checks assertions made with them: as a second factor after a
// password, for passwordless sign-in, and to sign a document hash (the
// payment flow uses the authenticator's signature as the buyer's).
//
// The package knows nothing of HTTP. Each ceremony is two calls: Begin
// returns the options the browser passes to navigator.credentials and an
// opaque state token; Finish takes that token back with the browser's
// response. The token refers to a server-side row that expires after five
// minutes and is used at most once, whether or not the response verifies.
// The browser half lives in static/passkey.js (see Static).
package passkey

import (
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/citadel-store/citadel/internal/store"
)

// Static holds passkey.js, to be served under the site's own origin so the
// Content-Security-Policy can stay script-src 'self'.
//
//go:embed static
var Static embed.FS

// Errors callers must tell apart. Show the user one safe message for
// ErrInvalidResponse, ErrChallengeExpired and ErrCloneSuspected ("that
// passkey could not be verified, try again") and log the wrapped cause.
var (
	// ErrInvalidResponse: the browser's response is malformed or does not
	// verify (origin, challenge, RP ID, signature, unknown credential).
	// Count it towards the account's and the address's failure limits.
	ErrInvalidResponse = errors.New("passkey: invalid response")
	// ErrChallengeExpired: the state token is unknown, already used, of
	// another ceremony or older than five minutes. Start the ceremony again.
	ErrChallengeExpired = errors.New("passkey: challenge expired or already used")
	// ErrCloneSuspected: the signature verified but the authenticator's
	// counter did not increase, so two copies of the key may exist. Refuse
	// the sign-in, record a security event and ask the owner to replace
	// the passkey.
	ErrCloneSuspected = errors.New("passkey: signature counter did not increase, authenticator may be cloned")
	// ErrNotFound: the account has no such credential (or none at all).
	ErrNotFound = errors.New("passkey: not found")
)

// challengeTTL is how long a ceremony may take from Begin to Finish.
const challengeTTL = 5 * time.Minute

// maxResponseSize bounds the JSON accepted from the browser: real
// responses are a few kilobytes.
const maxResponseSize = 64 << 10

// Service runs WebAuthn ceremonies against the passkey tables.
type Service struct {
	db     *store.DB
	wa     *webauthn.WebAuthn
	now    func() time.Time
	record Recorder // nil: changes are not reported
}

// New returns a service for the relying party rpID (the site's host name,
// e.g. "shop.example"), accepting responses only from rpOrigin (e.g.
// "https://shop.example") and naming itself rpName to the user.
func New(db *store.DB, rpID, rpOrigin, rpName string) (*Service, error) {
	if db == nil {
		return nil, errors.New("passkey: no database")
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          rpID,
		RPDisplayName: rpName,
		RPOrigins:     []string{rpOrigin},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: challengeTTL, TimeoutUVD: challengeTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: challengeTTL, TimeoutUVD: challengeTTL},
		},
		AttestationPreference: protocol.PreferNoAttestation,
	})
	if err != nil {
		return nil, fmt.Errorf("passkey: %w", err)
	}
	return &Service{db: db, wa: wa, now: time.Now}, nil
}

// User is the signed-in account registering a passkey. Email is shown by
// the authenticator to tell passkeys apart; it is not stored here.
type User struct {
	AccountID   string
	Email       string
	DisplayName string
}

// Credential is a registered passkey as the account's owner sees it.
type Credential struct {
	ID             string // base64url of the credential ID
	AccountID      string
	Name           string
	AAGUID         []byte // authenticator model, all zero when not disclosed
	Transports     []string
	BackupEligible bool // a synced passkey (it may exist on several devices)
	BackupState    bool
	SignCount      uint32
	CreatedAt      time.Time
	LastUsedAt     time.Time // zero if never used
}

// waUser adapts an account and its credentials to webauthn.User. The user
// handle is the account ID: random, not personal data, at most 64 bytes.
type waUser struct {
	id, name, display string
	creds             []webauthn.Credential
}

func (u *waUser) WebAuthnID() []byte                         { return []byte(u.id) }
func (u *waUser) WebAuthnName() string                       { return u.name }
func (u *waUser) WebAuthnDisplayName() string                { return u.display }
func (u *waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// invalid wraps a verification failure so callers match ErrInvalidResponse
// while the log keeps the library's reason.
func invalid(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return fmt.Errorf("%w: %s (%s)", ErrInvalidResponse, pe.Details, pe.DevInfo)
	}
	return fmt.Errorf("%w: %v", ErrInvalidResponse, err)
}
