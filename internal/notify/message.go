package notify

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what a message may hold. One-time codes and links need far
// less; the caps keep every header line under RFC 5322's 998 octets.
const (
	maxAddrLen    = 254
	maxSubjectLen = 200 // runes
	maxTextLen    = 64 << 10
)

// checkAddr accepts a bare ASCII addr-spec and nothing else. A display
// name, angle brackets, comments or a line break would either change what
// the header says or reach the SMTP envelope, so they are refused rather
// than cleaned up. Non-ASCII addresses would need SMTPUTF8, which we do not
// speak.
func checkAddr(addr string) error {
	if addr == "" || len(addr) > maxAddrLen {
		return fmt.Errorf("%w: address length", ErrInvalidMessage)
	}
	for i := 0; i < len(addr); i++ {
		if c := addr[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("%w: address contains a control, space or non-ASCII byte", ErrInvalidMessage)
		}
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return fmt.Errorf("%w: address: %v", ErrInvalidMessage, err)
	}
	if a.Name != "" || a.Address != addr {
		return fmt.Errorf("%w: address must be a bare addr-spec", ErrInvalidMessage)
	}
	return nil
}

// encodeSubject returns the Subject header value. Control characters (CR
// and LF above all) are refused, never stripped: a subject that contains
// them came from somewhere that must be fixed. "=?" is refused too, because
// an ASCII subject is sent as is and a reader would decode it as an
// encoded-word, showing something other than what we meant.
func encodeSubject(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fmt.Errorf("%w: empty subject", ErrInvalidMessage)
	case !utf8.ValidString(s):
		return "", fmt.Errorf("%w: subject is not UTF-8", ErrInvalidMessage)
	case utf8.RuneCountInString(s) > maxSubjectLen:
		return "", fmt.Errorf("%w: subject too long", ErrInvalidMessage)
	case strings.Contains(s, "=?"):
		return "", fmt.Errorf("%w: subject contains \"=?\"", ErrInvalidMessage)
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return "", fmt.Errorf("%w: subject contains a control character", ErrInvalidMessage)
		}
	}
	enc := mime.QEncoding.Encode("utf-8", s)
	// When encoding happened the value is only encoded-words separated by
	// single spaces; folding between them keeps each line short.
	if enc != s {
		enc = strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
	}
	return enc, nil
}

func checkText(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty text", ErrInvalidMessage)
	case len(s) > maxTextLen:
		return fmt.Errorf("%w: text too long", ErrInvalidMessage)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: text is not UTF-8", ErrInvalidMessage)
	}
	return nil
}

// buildMessage renders m as an RFC 5322 message with CRLF line endings,
// ready for SMTP DATA or an .eml file. from has been validated by the
// caller's constructor.
func buildMessage(from *mail.Address, m Message, now time.Time) ([]byte, error) {
	if err := checkAddr(m.To); err != nil {
		return nil, err
	}
	subject, err := encodeSubject(m.Subject)
	if err != nil {
		return nil, err
	}
	if err := checkText(m.Text); err != nil {
		return nil, err
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]

	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("Date", now.Format(time.RFC1123Z))
	header("From", from.String())
	header("To", m.To)
	header("Subject", subject)
	header("Message-ID", "<"+rand.Text()+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")

	// The writer turns LF, CR and CRLF alike into CRLF and escapes
	// trailing spaces, so the body survives transport unchanged.
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Text)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// parseFrom validates a configured sender, which may carry a display name
// ("Citadel <no-reply@example.com>"); its address must pass checkAddr.
func parseFrom(from string) (*mail.Address, error) {
	if strings.ContainsAny(from, "\r\n") {
		return nil, fmt.Errorf("%w: From contains a line break", ErrInvalidConfig)
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("%w: From: %v", ErrInvalidConfig, err)
	}
	if err := checkAddr(a.Address); err != nil {
		return nil, fmt.Errorf("%w: From: %v", ErrInvalidConfig, err)
	}
	return a, nil
}
