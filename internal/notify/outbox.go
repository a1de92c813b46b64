package notify

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// outboxFrom is the sender written into development outbox files; the
// .localhost name cannot be delivered anywhere by accident.
const outboxFrom = "Citadel <no-reply@citadel.localhost>"

// FileOutbox is a development Mailer: each message becomes an .eml file
// in a directory, readable only by its owner because it holds live
// sign-in links. It validates messages exactly as SMTP does.
type FileOutbox struct {
	dir  string
	from *mail.Address
}

// NewFileOutbox creates dir (0700) if needed.
func NewFileOutbox(dir string) (*FileOutbox, error) {
	if err := makeOutboxDir(dir); err != nil {
		return nil, err
	}
	from, err := parseFrom(outboxFrom)
	if err != nil {
		return nil, err
	}
	return &FileOutbox{dir: dir, from: from}, nil
}

// Dir is where messages are written.
func (o *FileOutbox) Dir() string { return o.dir }

// Send writes m as a new .eml file.
func (o *FileOutbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now()
	data, err := buildMessage(o.from, m, now)
	if err != nil {
		return err
	}
	return writeOutboxFile(o.dir, now, ".eml", data)
}

// FileSMSOutbox is a development SMSSender writing each message to a
// .txt file (0600) in a directory.
type FileSMSOutbox struct {
	dir string
}

// NewFileSMSOutbox creates dir (0700) if needed.
func NewFileSMSOutbox(dir string) (*FileSMSOutbox, error) {
	if err := makeOutboxDir(dir); err != nil {
		return nil, err
	}
	return &FileSMSOutbox{dir: dir}, nil
}

// Dir is where messages are written.
func (o *FileSMSOutbox) Dir() string { return o.dir }

// SendSMS writes m as a new .txt file: a To line, a Date line, a blank
// line, then the text.
func (o *FileSMSOutbox) SendSMS(ctx context.Context, m SMS) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	now := time.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "To: %s\nDate: %s\n\n%s\n", m.To, now.Format(time.RFC1123Z), m.Text)
	return writeOutboxFile(o.dir, now, ".txt", []byte(b.String()))
}

func makeOutboxDir(dir string) error {
	if dir == "" {
		return fmt.Errorf("%w: empty outbox directory", ErrInvalidConfig)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("notify: outbox: %w", err)
	}
	return nil
}

// writeOutboxFile names files by time so a directory listing sorts them,
// with a random suffix so two messages in the same nanosecond (or two
// processes) never collide; O_EXCL makes a collision an error, not an
// overwrite.
func writeOutboxFile(dir string, now time.Time, ext string, data []byte) error {
	name := now.UTC().Format("20060102T150405.000000000Z") + "-" + rand.Text()[:8] + ext
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("notify: outbox: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("notify: outbox: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("notify: outbox: %w", err)
	}
	return nil
}
