package notify

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// MaxSMSLen is the longest SMS text accepted, in characters: three
// concatenated segments of 160, plenty for a code and a short link.
const MaxSMSLen = 480

// SMS is one text message to one phone number.
type SMS struct {
	To   string // E.164: "+" then 8 to 15 digits
	Text string // at most MaxSMSLen characters
}

// SMSSender sends a text message. Implementations: *Twilio and
// *FileSMSOutbox.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}

// Validate reports whether m can be sent: To in E.164 form, Text non-empty
// UTF-8 of at most MaxSMSLen characters without control characters other
// than line breaks. Errors wrap ErrInvalidMessage.
func (m SMS) Validate() error {
	if !isE164(m.To) {
		return fmt.Errorf("%w: phone number must be E.164 (+ then 8 to 15 digits)", ErrInvalidMessage)
	}
	switch {
	case m.Text == "":
		return fmt.Errorf("%w: empty text", ErrInvalidMessage)
	case !utf8.ValidString(m.Text):
		return fmt.Errorf("%w: text is not UTF-8", ErrInvalidMessage)
	case utf8.RuneCountInString(m.Text) > MaxSMSLen:
		return fmt.Errorf("%w: text longer than %d characters", ErrInvalidMessage, MaxSMSLen)
	}
	for _, r := range m.Text {
		if (r < ' ' && r != '\n' && r != '\r') || r == 0x7f {
			return fmt.Errorf("%w: text contains a control character", ErrInvalidMessage)
		}
	}
	return nil
}

// isE164 checks "+" then 8 to 15 digits, the first not 0 (no country
// code starts with 0).
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
