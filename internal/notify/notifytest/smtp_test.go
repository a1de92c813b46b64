package notifytest

import (
	"crypto/tls"
	"encoding/base64"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// dial speaks raw SMTP to the server, so the protocol corners that
// net/smtp never exercises (RSET, HELO, AUTH continuation) are covered.
func dial(t *testing.T, s *SMTP) *textproto.Conn {
	t.Helper()
	c, err := textproto.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	expect(t, c, 220)
	return c
}

func expect(t *testing.T, c *textproto.Conn, code int) {
	t.Helper()
	if _, _, err := c.ReadResponse(code); err != nil {
		t.Fatalf("want %d: %v", code, err)
	}
}

func cmd(t *testing.T, c *textproto.Conn, code int, line string) {
	t.Helper()
	if err := c.PrintfLine("%s", line); err != nil {
		t.Fatal(err)
	}
	expect(t, c, code)
}

func TestSMTPProtocol(t *testing.T) {
	s := StartSMTP(t, SMTPOptions{Username: "u", Password: "p"})
	c := dial(t, s)
	cmd(t, c, 250, "HELO client")
	cmd(t, c, 530, "MAIL FROM:<a@example.com>")
	cmd(t, c, 334, "AUTH PLAIN")
	cmd(t, c, 535, base64.StdEncoding.EncodeToString([]byte("\x00u\x00wrong")))
	cmd(t, c, 235, "AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00u\x00p")))
	cmd(t, c, 503, "RCPT TO:<b@example.com>")
	cmd(t, c, 250, "MAIL FROM:<a@example.com>")
	cmd(t, c, 250, "RCPT TO:<dropped@example.com>")
	cmd(t, c, 250, "RSET")
	cmd(t, c, 250, "NOOP")
	cmd(t, c, 250, "MAIL FROM:<a@example.com> BODY=8BITMIME")
	cmd(t, c, 250, "RCPT TO:<b@example.com>")
	cmd(t, c, 354, "DATA")
	cmd(t, c, 250, "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n..leading dot\r\nend\r\n.")
	cmd(t, c, 502, "VRFY b@example.com")
	cmd(t, c, 221, "QUIT")

	r := s.WaitFor(t, "B@example.com", time.Second)
	if len(s.Messages()) != 1 || len(r.To) != 1 || r.From != "a@example.com" || r.AuthUser != "u" {
		t.Fatalf("received %+v", s.Messages())
	}
	if r.Subject != "café" || r.Body != ".leading dot\nend\n" {
		t.Errorf("subject %q body %q", r.Subject, r.Body)
	}
}

// With STARTTLS configured, AUTH is neither advertised nor accepted before
// the handshake, as on a real submission server.
func TestSMTPAuthNeedsTLSWhenOffered(t *testing.T) {
	s := StartSMTP(t, SMTPOptions{TLS: &tls.Config{}, Username: "u", Password: "p"})
	c := dial(t, s)
	if err := c.PrintfLine("EHLO client"); err != nil {
		t.Fatal(err)
	}
	_, msg, err := c.ReadResponse(250)
	if err != nil || strings.Contains(msg, "AUTH") || !strings.Contains(msg, "STARTTLS") {
		t.Fatalf("EHLO reply %q %v", msg, err)
	}
	cmd(t, c, 538, "AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00u\x00p")))
}
