package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"
)

// SMTPConfig configures an SMTP mailer. Print it freely: String redacts
// the password.
type SMTPConfig struct {
	Addr     string // host:port of the submission server
	From     string // sender; may carry a display name
	Username string // AUTH PLAIN when set
	Password string // never logged

	// Insecure allows sending without STARTTLS when the server does not
	// offer it. It is meant for tests and loopback development servers;
	// AUTH over plaintext is still refused unless Addr is loopback.
	Insecure bool

	TLSConfig *tls.Config   // for STARTTLS; ServerName defaults to Addr's host
	Timeout   time.Duration // whole conversation; default 30s
}

// String prints the configuration with the password redacted.
func (c SMTPConfig) String() string {
	pw := ""
	if c.Password != "" {
		pw = "[redacted]"
	}
	return fmt.Sprintf("SMTPConfig{Addr:%q From:%q Username:%q Password:%s Insecure:%t Timeout:%s}",
		c.Addr, c.From, c.Username, pw, c.Insecure, c.Timeout)
}

// GoString keeps %#v from printing the password.
func (c SMTPConfig) GoString() string { return c.String() }

// SMTP is a Mailer that opens one SMTP connection per message.
type SMTP struct {
	cfg  SMTPConfig
	host string
	from *mail.Address
}

// String describes the mailer without its credentials; without it, %v of
// an *SMTP would print the unexported config, password included.
func (s SMTP) String() string { return "notify.SMTP(" + s.cfg.String() + ")" }

// GoString is String, for %#v.
func (s SMTP) GoString() string { return s.String() }

// NewSMTP validates cfg. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("%w: SMTP Addr %q is not host:port", ErrInvalidConfig, cfg.Addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("%w: SMTP Addr %q has a bad port", ErrInvalidConfig, cfg.Addr)
	}
	from, err := parseFrom(cfg.From)
	if err != nil {
		return nil, err
	}
	if cfg.Username != "" && cfg.Insecure && !isLoopback(host) {
		return nil, fmt.Errorf("%w: SMTP AUTH without TLS is allowed only to a loopback server", ErrInvalidConfig)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg, host: host, from: from}, nil
}

// Send delivers m. It returns ErrInvalidMessage before connecting when m
// is unacceptable, ErrTLSRequired when the server offers no STARTTLS, and
// ErrRejected when the server refuses the message with a 5xx reply.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	data, err := buildMessage(s.from, m, time.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.send(ctx, m.To, data); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("notify: smtp %s: %w: %w", s.cfg.Addr, ctx.Err(), err)
		}
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 {
			return fmt.Errorf("notify: smtp %s: %w: %w", s.cfg.Addr, ErrRejected, err)
		}
		return fmt.Errorf("notify: smtp %s: %w", s.cfg.Addr, err)
	}
	return nil
}

func (s *SMTP) send(ctx context.Context, to string, data []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	// net/smtp takes no context. Expiring the connection's deadline when
	// ctx ends (by timeout or cancellation) unblocks any read or write;
	// doing it from AfterFunc, not with SetDeadline(ctx's deadline), means
	// ctx.Err() is already set when the I/O error surfaces.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	} else if !s.cfg.Insecure {
		return ErrTLSRequired
	}
	if s.cfg.Username != "" {
		if err := c.Auth(plainAuth{s.cfg.Username, s.cfg.Password}); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	// The message is accepted once DATA is answered; a failed QUIT does
	// not unsend it.
	_ = c.Quit()
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// plainAuth is AUTH PLAIN (RFC 4616). Unlike smtp.PlainAuth it applies
// this package's rule: TLS, or a loopback server whatever its name.
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(si *smtp.ServerInfo) (string, []byte, error) {
	if !si.TLS && !isLoopback(si.Name) {
		return "", nil, errors.New("refusing AUTH over an unencrypted connection")
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
