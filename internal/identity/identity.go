// Package identity holds accounts and how people prove who they are:
// registration with email verification, passwords, sign-in with
// throttling and lockout, sessions, password reset and bootstrap
// enrolment. It knows nothing of HTTP: handlers pass a RequestMeta.
//
// Email addresses and password hashes are sealed by the keyring; an
// account is found by its email's blind index. Every account event is
// written to the audit outbox in the same transaction as the change.
package identity

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/identity/password"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/notify"
	"github.com/citadel-store/citadel/internal/store"
)

// Errors callers must tell apart. Their messages are safe to show.
var (
	// ErrInvalidCredentials covers unknown email, wrong password, and
	// blocked password alike, so that no answer reveals which.
	ErrInvalidCredentials = errors.New("wrong email or password")
	ErrEmailNotVerified   = errors.New("confirm your email address first: we sent you a link")
	ErrInvalidEmail       = errors.New("enter a valid email address")
	ErrInvalidToken       = errors.New("this link is invalid, expired or already used")
	ErrNoSession          = errors.New("not signed in")
	ErrThrottled          = errors.New("too many attempts; wait a moment and try again")
)

// MaxFailures is PCI DSS 8.3.4's bound: after this many consecutive
// failures the password alone no longer signs in until the owner follows
// an emailed link.
const MaxFailures = 10

// Config tunes the service.
type Config struct {
	BaseURL         string        // https://host:port, for links in emails
	AbsoluteTimeout time.Duration // session lifetime, default 12h
	VerifyTTL       time.Duration // email verification links, default 24h
	ResetTTL        time.Duration // password reset links, default 30m
	EnrolTTL        time.Duration // bootstrap enrolment links, default 72h
	// Now replaces the clock (tests of timeouts); nil is time.Now.
	Now func() time.Time
	// Log receives failures of mail sent in the background; nil is
	// slog.Default().
	Log *slog.Logger
}

// RequestMeta is what a request tells about its origin.
type RequestMeta struct {
	IP        string
	UserAgent string
	RequestID string
	// CertAccount is the account that the request's TLS client
	// certificate is bound to, after the handshake verified it against
	// the CA and the registry found it unrevoked; "" for none.
	CertAccount string
}

// Service is the identity domain service.
type Service struct {
	cfg    Config
	db     *store.DB
	keys   *keyring.Keyring
	hasher *password.Hasher
	policy *password.Policy
	audit  *audit.Recorder
	mail   notify.Mailer
	sms    notify.SMSSender // nil: no SMS codes
	// failed is told of every failed sign-in (the intrusion detectors).
	failed func(ip, account string)
	limits *throttle
	now    func() time.Time
	sends  sync.WaitGroup
}

// New builds the service.
func New(cfg Config, db *store.DB, keys *keyring.Keyring, hasher *password.Hasher, policy *password.Policy,
	rec *audit.Recorder, mailer notify.Mailer) *Service {
	if cfg.AbsoluteTimeout == 0 {
		cfg.AbsoluteTimeout = 12 * time.Hour
	}
	if cfg.VerifyTTL == 0 {
		cfg.VerifyTTL = 24 * time.Hour
	}
	if cfg.ResetTTL == 0 {
		cfg.ResetTTL = 30 * time.Minute
	}
	if cfg.EnrolTTL == 0 {
		cfg.EnrolTTL = 72 * time.Hour
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Service{cfg: cfg, db: db, keys: keys, hasher: hasher, policy: policy, audit: rec, mail: mailer,
		limits: newThrottle(), now: func() time.Time { return now().UTC() }}
}

// OnSignInFailed registers a watcher of failed sign-ins (account is ""
// when the email has no account).
func (s *Service) OnSignInFailed(fn func(ip, account string)) { s.failed = fn }

func (s *Service) signInFailure(ip, account string) {
	if s.failed != nil {
		s.failed(ip, account)
	}
}

// WithSMS lets the service text one-time codes.
func (s *Service) WithSMS(sender notify.SMSSender) *Service {
	s.sms = sender
	return s
}

// NormalizeEmail trims and lowercases an address and checks that it is a
// bare addr-spec of at most 254 bytes.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 254 || strings.ContainsAny(s, "<>\r\n\" ") {
		return "", ErrInvalidEmail
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", ErrInvalidEmail
	}
	return s, nil
}

func (s *Service) emailIndex(email string) []byte { return s.keys.BlindIndex("account-email", email) }

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func (s *Service) record(ctx context.Context, tx *store.Tx, m RequestMeta, actor, action, object, outcome string, detail map[string]string) error {
	if actor == "" {
		actor = "anonymous"
	}
	return s.audit.Record(ctx, tx, audit.Event{Time: s.now(), Actor: actor, Action: action, Object: object,
		Outcome: outcome, RequestID: m.RequestID, IP: m.IP, UserAgent: m.UserAgent, Detail: detail})
}
