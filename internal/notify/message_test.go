package notify

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
)

var testFrom = &mail.Address{Name: "Citadel", Address: "no-reply@citadel.example"}

var wantHeaders = []string{"Content-Transfer-Encoding", "Content-Type", "Date", "From",
	"Message-Id", "Mime-Version", "Subject", "To"}

// checkBuilt parses a built message and checks the round trip: exactly
// the expected headers, the recipient and subject as given, and the body
// equal to the text up to line-ending form.
func checkBuilt(t *testing.T, raw []byte, m Message) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("built message does not parse: %v\n%q", err, raw)
	}
	var keys []string
	for k := range msg.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, wantHeaders) {
		t.Fatalf("headers %v, want %v", keys, wantHeaders)
	}
	for k, v := range msg.Header {
		if len(v) != 1 {
			t.Fatalf("header %s appears %d times", k, len(v))
		}
	}
	if got := msg.Header.Get("To"); got != m.To {
		t.Errorf("To = %q, want %q", got, m.To)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != strings.TrimSpace(m.Subject) {
		t.Errorf("Subject decodes to %q (%v), want %q", subj, err, m.Subject)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	if got, want := lf(string(body)), lf(m.Text); strings.TrimSuffix(got, "\n") != strings.TrimSuffix(want, "\n") {
		t.Errorf("body = %q, want %q", got, want)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d octets", len(line))
		}
	}
}

func lf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func TestBuildMessage(t *testing.T) {
	ok := []Message{
		{To: "ana@example.com", Subject: "Your code", Text: "123456"},
		{To: "ana@example.com", Subject: "Vérifiez votre adresse — Citadel", Text: "Café ☕\nline two  \n.dot line\n"},
		{To: "ana@example.com", Subject: strings.Repeat("日本語", 66), Text: strings.Repeat("é", 5000)},
		{To: "o'neil+tag@sub.example.co.uk", Subject: "  padded  ", Text: "a\r\nb\rc"},
	}
	for _, m := range ok {
		raw, err := buildMessage(testFrom, m, time.Now())
		if err != nil {
			t.Fatalf("buildMessage(%q): %v", m.Subject, err)
		}
		checkBuilt(t, raw, m)
	}

	bad := map[string]Message{
		"fail/to-crlf":             {To: "ana@example.com\r\nBcc: e@x.example", Subject: "s", Text: "t"},
		"fail/to-lf":               {To: "ana@example.com\nBcc: e@x.example", Subject: "s", Text: "t"},
		"fail/to-display-name":     {To: "Ana <ana@example.com>", Subject: "s", Text: "t"},
		"fail/to-angle-brackets":   {To: "<ana@example.com>", Subject: "s", Text: "t"},
		"fail/to-two-addresses":    {To: "ana@example.com,eve@x.example", Subject: "s", Text: "t"},
		"fail/to-no-domain":        {To: "ana", Subject: "s", Text: "t"},
		"fail/to-non-ascii":        {To: "anä@example.com", Subject: "s", Text: "t"},
		"fail/subject-crlf":        {To: "ana@example.com", Subject: "s\r\nBcc: e@x.example", Text: "t"},
		"fail/subject-lf":          {To: "ana@example.com", Subject: "s\nBcc: e@x.example", Text: "t"},
		"fail/subject-cr":          {To: "ana@example.com", Subject: "s\rBcc: e@x.example", Text: "t"},
		"fail/subject-nel":         {To: "ana@example.com", Subject: "s\u0085x", Text: "t"},
		"fail/subject-encoded":     {To: "ana@example.com", Subject: "=?utf-8?q?spoof?=", Text: "t"},
		"fail/subject-empty":       {To: "ana@example.com", Subject: " ", Text: "t"},
		"fail/subject-too-long":    {To: "ana@example.com", Subject: strings.Repeat("a", 201), Text: "t"},
		"fail/subject-invalid-utf": {To: "ana@example.com", Subject: "\xff", Text: "t"},
		"fail/text-empty":          {To: "ana@example.com", Subject: "s"},
		"fail/text-invalid-utf8":   {To: "ana@example.com", Subject: "s", Text: "\xc3("},
	}
	for name, m := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := buildMessage(testFrom, m, time.Now()); !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("buildMessage = %v, want ErrInvalidMessage", err)
			}
		})
	}
}

func TestMessageIDIsRandom(t *testing.T) {
	m := Message{To: "ana@example.com", Subject: "s", Text: "t"}
	ids := map[string]bool{}
	for range 100 {
		raw, err := buildMessage(testFrom, m, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := mail.ReadMessage(bytes.NewReader(raw))
		id := msg.Header.Get("Message-Id")
		if ids[id] || !strings.HasSuffix(id, "@citadel.example>") {
			t.Fatalf("Message-ID %q repeated or malformed", id)
		}
		ids[id] = true
	}
}

// FuzzBuildMessage: any input either is refused or yields a message that
// parses with exactly our headers and round-trips To, Subject and Text.
func FuzzBuildMessage(f *testing.F) {
	f.Add("ana@example.com", "Your code", "123456")
	f.Add("ana@example.com", "Vérifiez — Citadel", "Café\n.\n")
	f.Add("ana@example.com\r\nBcc: e@x", "s", "t")
	f.Add("ana@example.com", "s\r\nBcc: e@x", "t\r\n.\r\n")
	f.Add("\"a b\"@example.com", "=?utf-8?b?QQ==?=", "=41")
	f.Add("a@[127.0.0.1]", strings.Repeat("é", 200), "x \n")
	f.Fuzz(func(t *testing.T, to, subject, text string) {
		m := Message{To: to, Subject: subject, Text: text}
		raw, err := buildMessage(testFrom, m, time.Now())
		if err != nil {
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("error %v does not wrap ErrInvalidMessage", err)
			}
			return
		}
		checkBuilt(t, raw, m)
	})
}
