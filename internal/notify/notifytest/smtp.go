// Package notifytest runs real servers for tests that send email or SMS:
// a minimal SMTP server on loopback and a fake of Twilio's Messages API.
// Both record what they receive so a test can pull out a code or a link.
//
// It is a separate package, like net/http/httptest, so that the testing
// package is never linked into the production binary.
package notifytest

import (
	"bytes"
	"crypto/tls"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPOptions shape the test SMTP server.
type SMTPOptions struct {
	// TLS, when set, makes the server offer STARTTLS with this config.
	TLS *tls.Config
	// Username and Password, when set, make the server advertise AUTH
	// PLAIN (after STARTTLS if TLS is set) and require it before MAIL.
	Username, Password string
	// RejectRcpt makes the server answer every RCPT with 550.
	RejectRcpt bool
}

// Received is one message accepted by the test SMTP server.
type Received struct {
	From     string   // envelope MAIL FROM
	To       []string // envelope RCPT TO
	Data     []byte   // DATA as received, dot-unstuffed
	TLS      bool     // whether STARTTLS was in effect
	AuthUser string   // the AUTH PLAIN identity, if any

	Header  mail.Header // nil if Data did not parse
	Subject string      // decoded from RFC 2047
	Body    string      // decoded from quoted-printable, "\n" line ends
}

// Link returns the first whitespace-separated word of the body that starts
// with prefix, or "".
func (r Received) Link(prefix string) string {
	for _, w := range strings.Fields(r.Body) {
		if strings.HasPrefix(w, prefix) {
			return w
		}
	}
	return ""
}

// SMTP is a running test SMTP server.
type SMTP struct {
	Addr string // host:port on 127.0.0.1

	opts SMTPOptions
	ln   net.Listener
	wg   sync.WaitGroup

	mu      sync.Mutex
	msgs    []Received
	changed chan struct{} // closed and replaced when a message arrives
	conns   map[net.Conn]struct{}
	closed  bool
}

// StartSMTP starts a server on 127.0.0.1:0 and stops it when the test
// ends.
func StartSMTP(t testing.TB, opts SMTPOptions) *SMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("notifytest: listen: %v", err)
	}
	s := &SMTP{Addr: ln.Addr().String(), opts: opts, ln: ln,
		changed: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *SMTP) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			(&session{srv: s}).run(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

func (s *SMTP) close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

// Messages returns what has been received so far, oldest first.
func (s *SMTP) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// WaitFor returns the first message with to among its recipients, waiting
// up to timeout for it to arrive; it fails the test otherwise.
func (s *SMTP) WaitFor(t testing.TB, to string, timeout time.Duration) Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for _, m := range s.msgs {
			for _, rcpt := range m.To {
				if strings.EqualFold(rcpt, to) {
					s.mu.Unlock()
					return m
				}
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("notifytest: no message to %s within %s", to, timeout)
		}
	}
}

func (s *SMTP) record(r Received) {
	if msg, err := mail.ReadMessage(bytes.NewReader(r.Data)); err == nil {
		r.Header = msg.Header
		dec := new(mime.WordDecoder)
		if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
			r.Subject = subj
		}
		var body io.Reader = msg.Body
		if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, _ := io.ReadAll(body)
		r.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}
