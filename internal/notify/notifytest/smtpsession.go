package notifytest

import (
	"bytes"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"net"
	"net/textproto"
	"strings"
	"time"
)

const maxData = 10 << 20

// session is one SMTP conversation (RFC 5321), just enough of it to take
// mail from a well-behaved client and to answer a misbehaving one.
type session struct {
	srv      *SMTP
	conn     net.Conn
	tp       *textproto.Conn
	helo     bool
	tls      bool
	authUser string
	authed   bool
	from     string
	rcpts    []string
}

func (s *session) reply(format string, args ...any) { s.tp.PrintfLine(format, args...) }

func (s *session) run(c net.Conn) {
	s.conn, s.tp = c, textproto.NewConn(c)
	defer s.tp.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	s.reply("220 127.0.0.1 notifytest ESMTP")
	for {
		line, err := s.tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			s.ehlo()
		case "HELO":
			s.helo = true
			s.reset()
			s.reply("250 127.0.0.1")
		case "STARTTLS":
			if !s.starttls() {
				return
			}
		case "AUTH":
			s.auth(arg)
		case "MAIL":
			s.mail(arg)
		case "RCPT":
			s.rcpt(arg)
		case "DATA":
			if !s.data() {
				return
			}
		case "RSET":
			s.reset()
			s.reply("250 2.0.0 OK")
		case "NOOP":
			s.reply("250 2.0.0 OK")
		case "QUIT":
			s.reply("221 2.0.0 Bye")
			return
		default:
			s.reply("502 5.5.2 Command not implemented")
		}
	}
}

func (s *session) reset() { s.from, s.rcpts = "", nil }

func (s *session) offerAuth() bool {
	o := s.srv.opts
	return o.Username != "" && !s.authed && (s.tls || o.TLS == nil)
}

func (s *session) ehlo() {
	s.helo = true
	s.reset()
	lines := []string{"127.0.0.1 hello", "8BITMIME"}
	if s.srv.opts.TLS != nil && !s.tls {
		lines = append(lines, "STARTTLS")
	}
	if s.offerAuth() {
		lines = append(lines, "AUTH PLAIN")
	}
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		s.reply("250%s%s", sep, l)
	}
}

// starttls reports whether the session can go on.
func (s *session) starttls() bool {
	if s.srv.opts.TLS == nil || s.tls {
		s.reply("502 5.5.1 STARTTLS not available")
		return true
	}
	s.reply("220 2.0.0 Ready to start TLS")
	tc := tls.Server(s.conn, s.srv.opts.TLS)
	if err := tc.Handshake(); err != nil {
		return false
	}
	// RFC 3207: forget everything said before the handshake.
	s.conn, s.tp = tc, textproto.NewConn(tc)
	s.tls, s.helo = true, false
	s.reset()
	return true
}

func (s *session) auth(arg string) {
	mech, resp, _ := strings.Cut(arg, " ")
	switch {
	case !s.helo:
		s.reply("503 5.5.1 EHLO first")
		return
	case !s.offerAuth() && s.srv.opts.Username != "" && !s.authed:
		s.reply("538 5.7.11 Encryption required")
		return
	case !s.offerAuth():
		s.reply("503 5.5.1 AUTH not available")
		return
	case !strings.EqualFold(mech, "PLAIN"):
		s.reply("504 5.5.4 Unrecognized authentication type")
		return
	}
	if resp == "" {
		s.reply("334 ")
		line, err := s.tp.ReadLine()
		if err != nil {
			return
		}
		resp = line
	}
	if resp == "*" {
		s.reply("501 5.0.0 Authentication cancelled")
		return
	}
	raw, err := base64.StdEncoding.DecodeString(resp)
	parts := bytes.Split(raw, []byte{0})
	if err != nil || len(parts) != 3 {
		s.reply("501 5.5.2 Malformed AUTH PLAIN response")
		return
	}
	o := s.srv.opts
	userOK := subtle.ConstantTimeCompare(parts[1], []byte(o.Username))
	passOK := subtle.ConstantTimeCompare(parts[2], []byte(o.Password))
	if userOK&passOK != 1 {
		s.reply("535 5.7.8 Authentication credentials invalid")
		return
	}
	s.authed, s.authUser = true, string(parts[1])
	s.reply("235 2.7.0 Authentication successful")
}

// pathArg extracts the address from "FROM:<a@b> SIZE=1" style arguments.
func pathArg(arg, keyword string) (string, bool) {
	if len(arg) < len(keyword) || !strings.EqualFold(arg[:len(keyword)], keyword) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(keyword):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}

func (s *session) mail(arg string) {
	addr, ok := pathArg(arg, "FROM:")
	switch {
	case !s.helo:
		s.reply("503 5.5.1 EHLO first")
	case s.srv.opts.Username != "" && !s.authed:
		s.reply("530 5.7.0 Authentication required")
	case s.from != "":
		s.reply("503 5.5.1 Nested MAIL command")
	case !ok:
		s.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
	default:
		s.from = addr
		s.reply("250 2.1.0 OK")
	}
}

func (s *session) rcpt(arg string) {
	addr, ok := pathArg(arg, "TO:")
	switch {
	case s.from == "":
		s.reply("503 5.5.1 MAIL first")
	case !ok || addr == "":
		s.reply("501 5.5.4 Syntax: RCPT TO:<address>")
	case s.srv.opts.RejectRcpt:
		s.reply("550 5.1.1 Mailbox unavailable")
	default:
		s.rcpts = append(s.rcpts, addr)
		s.reply("250 2.1.5 OK")
	}
}

// data reads the message up to the lone dot, undoing dot-stuffing, and
// reports whether the session can go on.
func (s *session) data() bool {
	if len(s.rcpts) == 0 {
		s.reply("503 5.5.1 RCPT first")
		return true
	}
	s.reply("354 End data with <CR><LF>.<CR><LF>")
	var buf bytes.Buffer
	tooBig := false
	for {
		line, err := s.tp.R.ReadString('\n')
		if err != nil {
			return false
		}
		if line == ".\r\n" || line == ".\n" {
			break
		}
		line = strings.TrimPrefix(line, ".")
		if buf.Len()+len(line) > maxData {
			tooBig = true
			continue
		}
		buf.WriteString(line)
	}
	if tooBig {
		s.reset()
		s.reply("552 5.3.4 Message too big")
		return true
	}
	s.srv.record(Received{From: s.from, To: s.rcpts, Data: buf.Bytes(),
		TLS: s.tls, AuthUser: s.authUser})
	s.reset()
	s.reply("250 2.0.0 OK queued")
	return true
}
