package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// onlyFile returns the content of the single file in dir and checks that
// only its owner can read it.
func onlyFile(t *testing.T, dir, ext string) []byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || filepath.Ext(entries[0].Name()) != ext {
		t.Fatalf("outbox holds %v, want one %s file", entries, ext)
	}
	info, err := entries[0].Info()
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("file mode %o, want 600", mode)
	}
	data, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestFileOutbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := NewFileOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("outbox dir: %v %v", info, err)
	}
	link := "https://localhost:8443/verify?t=Zm9vYmFy"
	m := Message{To: "dev@example.com", Subject: "Vérifiez votre adresse", Text: "Open " + link + "\n"}
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	raw := onlyFile(t, dir, ".eml")
	checkBuilt(t, raw, m)
	msg, _ := mail.ReadMessage(bytes.NewReader(raw))
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if !strings.Contains(string(body), link) {
		t.Errorf("link missing from body %q", body)
	}

	t.Run("fail/header-injection-to", func(t *testing.T) {
		err := o.Send(context.Background(), Message{To: "a@example.com\nBcc: e@x.example", Subject: "s", Text: "t"})
		if !errors.Is(err, ErrInvalidMessage) {
			t.Fatalf("Send = %v, want ErrInvalidMessage", err)
		}
		onlyFile(t, dir, ".eml") // nothing new written
	})
}

func TestFileSMSOutbox(t *testing.T) {
	dir := t.TempDir()
	o, err := NewFileSMSOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.SendSMS(context.Background(), SMS{To: "+447700900123", Text: "Citadel code 482913"}); err != nil {
		t.Fatal(err)
	}
	data := string(onlyFile(t, dir, ".txt"))
	if !strings.HasPrefix(data, "To: +447700900123\n") || !strings.Contains(data, "\n\nCitadel code 482913\n") {
		t.Errorf("file content %q", data)
	}
	if err := o.SendSMS(context.Background(), SMS{To: "12345", Text: "x"}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("SendSMS(bad number) = %v, want ErrInvalidMessage", err)
	}
}

func TestNewFileOutboxEmptyDir(t *testing.T) {
	if _, err := NewFileOutbox(""); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewFileOutbox(\"\") = %v", err)
	}
}
