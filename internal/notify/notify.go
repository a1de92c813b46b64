// Package notify delivers one-time codes and links to people: email over
// SMTP and text messages through an SMS provider's HTTP API.
//
// Everything that leaves this package is built from validated parts. An
// email address or subject that could smuggle a header is refused before a
// connection is opened, TLS is required unless a development setup opts
// out, and credentials never appear in errors or printed configuration.
// The file outboxes stand in for real delivery during development
// (`serve --demo`), so a developer can open a verification link by hand.
//
// Package notifytest holds real test servers (SMTP and a Twilio-shaped
// HTTP API) for tests in this and other packages.
package notify

import (
	"context"
	"errors"
)

// Message is one plain-text email to one recipient.
type Message struct {
	To      string // a bare addr-spec: "ana@example.com", no display name
	Subject string // UTF-8, one line; encoded per RFC 2047 when not ASCII
	Text    string // UTF-8 body; sent quoted-printable
}

// Mailer sends an email. Implementations: *SMTP and *FileOutbox.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

var (
	// ErrInvalidMessage means the message itself is unacceptable (a bad
	// address, a header-breaking subject, an oversized text). Retrying
	// will not help; the caller should reject the input that produced it.
	ErrInvalidMessage = errors.New("notify: invalid message")

	// ErrInvalidConfig means a sender was configured wrongly; it is
	// returned by the constructors so a bad deployment fails at start.
	ErrInvalidConfig = errors.New("notify: invalid configuration")

	// ErrTLSRequired means the SMTP server did not offer STARTTLS and the
	// configuration does not allow plaintext. Nothing was sent; fix the
	// server or the address rather than retrying.
	ErrTLSRequired = errors.New("notify: smtp server does not offer STARTTLS")

	// ErrRejected means the server or provider refused the message
	// permanently (an SMTP 5xx reply, an HTTP 4xx answer). Retrying the
	// same message will not help.
	ErrRejected = errors.New("notify: message rejected")
)
