package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/notify/notifytest"
)

const testPassword = "s3cret-smtp-password"

func TestSMTPSend(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	link := "https://citadel.example/verify?t=abc123"
	okMsg := Message{To: "ana@example.com", Subject: "Confirm your email", Text: "Open " + link + " to confirm.\n"}

	tests := []struct {
		name    string
		server  notifytest.SMTPOptions
		config  func(*SMTPConfig)
		msg     Message
		wantErr error // nil: delivered; otherwise errors.Is must match
		check   func(*testing.T, notifytest.Received)
	}{
		{
			name:   "plain-insecure-loopback",
			config: func(c *SMTPConfig) { c.Insecure = true },
			msg:    okMsg,
			check: func(t *testing.T, r notifytest.Received) {
				if r.TLS {
					t.Error("TLS in effect, want plaintext")
				}
			},
		},
		{
			name:   "starttls-and-auth",
			server: notifytest.SMTPOptions{TLS: serverTLS, Username: "citadel", Password: testPassword},
			config: func(c *SMTPConfig) { c.Username, c.Password, c.TLSConfig = "citadel", testPassword, clientTLS },
			msg:    okMsg,
			check: func(t *testing.T, r notifytest.Received) {
				if !r.TLS || r.AuthUser != "citadel" {
					t.Errorf("TLS=%v AuthUser=%q, want TLS and citadel", r.TLS, r.AuthUser)
				}
			},
		},
		{
			name:   "starttls-offered-is-used-even-when-insecure-allowed",
			server: notifytest.SMTPOptions{TLS: serverTLS},
			config: func(c *SMTPConfig) { c.Insecure, c.TLSConfig = true, clientTLS },
			msg:    okMsg,
			check: func(t *testing.T, r notifytest.Received) {
				if !r.TLS {
					t.Error("plaintext, want STARTTLS")
				}
			},
		},
		{
			name:    "fail/starttls-required-but-not-offered",
			msg:     okMsg,
			wantErr: ErrTLSRequired,
		},
		{
			name:    "fail/untrusted-certificate",
			server:  notifytest.SMTPOptions{TLS: serverTLS},
			config:  func(c *SMTPConfig) { c.TLSConfig = &tls.Config{} },
			msg:     okMsg,
			wantErr: errAny,
		},
		{
			name:    "fail/wrong-password",
			server:  notifytest.SMTPOptions{TLS: serverTLS, Username: "citadel", Password: "other"},
			config:  func(c *SMTPConfig) { c.Username, c.Password, c.TLSConfig = "citadel", testPassword, clientTLS },
			msg:     okMsg,
			wantErr: ErrRejected,
		},
		{
			name:    "fail/header-injection-to",
			config:  func(c *SMTPConfig) { c.Insecure = true },
			msg:     Message{To: "ana@example.com\r\nBcc: eve@evil.example", Subject: "Hi", Text: "x"},
			wantErr: ErrInvalidMessage,
		},
		{
			name:    "fail/header-injection-subject",
			config:  func(c *SMTPConfig) { c.Insecure = true },
			msg:     Message{To: "ana@example.com", Subject: "Hi\r\nBcc: eve@evil.example", Text: "x"},
			wantErr: ErrInvalidMessage,
		},
		{
			name:    "fail/to-with-display-name",
			config:  func(c *SMTPConfig) { c.Insecure = true },
			msg:     Message{To: "Eve <eve@evil.example>", Subject: "Hi", Text: "x"},
			wantErr: ErrInvalidMessage,
		},
		{
			name:    "fail/server-rejects-rcpt",
			server:  notifytest.SMTPOptions{RejectRcpt: true},
			config:  func(c *SMTPConfig) { c.Insecure = true },
			msg:     okMsg,
			wantErr: ErrRejected,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := notifytest.StartSMTP(t, tt.server)
			cfg := SMTPConfig{Addr: srv.Addr, From: "Citadel <no-reply@citadel.example>", Timeout: 5 * time.Second}
			if tt.config != nil {
				tt.config(&cfg)
			}
			m, err := NewSMTP(cfg)
			if err != nil {
				t.Fatalf("NewSMTP: %v", err)
			}
			err = m.Send(context.Background(), tt.msg)
			if tt.wantErr != nil {
				if err == nil || (tt.wantErr != errAny && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("Send = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), testPassword) {
					t.Errorf("error leaks the password: %v", err)
				}
				if got := srv.Messages(); len(got) != 0 {
					t.Errorf("server received %d messages, want none", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			r := srv.WaitFor(t, tt.msg.To, time.Second)
			if r.From != "no-reply@citadel.example" {
				t.Errorf("envelope from %q", r.From)
			}
			if r.Subject != tt.msg.Subject || r.Link("https://") != link {
				t.Errorf("subject %q link %q", r.Subject, r.Link("https://"))
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// errAny marks a case where any error will do.
var errAny = errors.New("any error")

func TestSMTPConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  SMTPConfig
	}{
		{"fail/auth-over-plaintext-to-non-loopback", SMTPConfig{Addr: "mail.example.com:587", From: "a@example.com", Username: "u", Password: "p", Insecure: true}},
		{"fail/no-port", SMTPConfig{Addr: "mail.example.com", From: "a@example.com"}},
		{"fail/bad-port", SMTPConfig{Addr: "mail.example.com:0", From: "a@example.com"}},
		{"fail/from-not-an-address", SMTPConfig{Addr: "mail.example.com:587", From: "citadel"}},
		{"fail/from-with-line-break", SMTPConfig{Addr: "mail.example.com:587", From: "a@example.com\r\nBcc: e@x.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSMTP(tt.cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("NewSMTP = %v, want ErrInvalidConfig", err)
			}
		})
	}
	// Loopback development servers may take AUTH without TLS.
	if _, err := NewSMTP(SMTPConfig{Addr: "127.0.0.1:1025", From: "a@example.com", Username: "u", Password: "p", Insecure: true}); err != nil {
		t.Errorf("loopback AUTH without TLS: %v", err)
	}
}

func TestSMTPConfigRedacts(t *testing.T) {
	cfg := SMTPConfig{Addr: "mail.example.com:587", From: "a@example.com", Username: "u", Password: testPassword}
	m, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{cfg, &cfg, m, *m, []any{m}} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, testPassword) {
				t.Errorf("%s of %T prints the password: %s", verb, v, s)
			}
		}
	}
}

func TestSMTPHonoursContext(t *testing.T) {
	addr := silentServer(t)
	m, err := NewSMTP(SMTPConfig{Addr: addr, From: "a@example.com", Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	msg := Message{To: "ana@example.com", Subject: "Code", Text: "123456"}

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := m.Send(ctx, msg)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Send took %s", d)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		if err := m.Send(ctx, msg); !errors.Is(err, context.Canceled) {
			t.Errorf("Send = %v, want Canceled", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Send took %s", d)
		}
	})
}
