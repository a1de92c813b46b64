package payment

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Card errors. Each message is safe to show next to the card form; none
// quotes the number.
var (
	// ErrInvalidCard: not a card number (digits, length, Luhn check).
	ErrInvalidCard = errors.New("the card number is not valid")
	// ErrUnsupportedCard: a valid number of a scheme Citadel does not take.
	ErrUnsupportedCard = errors.New("this kind of card is not accepted")
	// ErrBadExpiry: the expiry month or year is not a date.
	ErrBadExpiry = errors.New("the card's expiry date is not valid")
	// ErrExpiredCard: the card's last valid month has passed.
	ErrExpiredCard = errors.New("the card has expired")
	// ErrBadCVV: the security code is not 3 digits (4 for American Express).
	ErrBadCVV = errors.New("the card's security code is not valid")
	// ErrBadHolder: the cardholder name is missing or not plain text.
	ErrBadHolder = errors.New("enter the name on the card")
)

// Brand is a card scheme, as read from the number's first digits.
type Brand string

const (
	Visa       Brand = "visa"
	Mastercard Brand = "mastercard"
	Amex       Brand = "amex"
	Discover   Brand = "discover"
	JCB        Brand = "jcb"
	Diners     Brand = "diners"
	UnionPay   Brand = "unionpay"
)

// PAN is a card number that passed ParsePAN. It never prints: every fmt
// verb, text and JSON encoding show only the brand and last four digits.
// Keep it in exported fields only (fmt cannot call the masking method of
// an unexported field), and hand the digits to nothing but a Provider
// (Reveal).
type PAN struct{ digits string }

// ParsePAN reads a card number as a buyer types it: digits, optionally
// grouped by single spaces or hyphens. It checks the length (12 to 19
// digits), the Luhn check digit and that the scheme is one Citadel takes,
// with that scheme's lengths.
func ParsePAN(s string) (PAN, error) {
	if len(s) == 0 || len(s) > 40 {
		return PAN{}, ErrInvalidCard
	}
	var b strings.Builder
	prevSep := true // no separator first
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			prevSep = false
		case (c == ' ' || c == '-') && !prevSep && i != len(s)-1:
			prevSep = true
		default:
			return PAN{}, ErrInvalidCard
		}
	}
	d := b.String()
	if len(d) < 12 || len(d) > 19 || !luhn(d) {
		return PAN{}, ErrInvalidCard
	}
	if brandOf(d) == "" {
		return PAN{}, ErrUnsupportedCard
	}
	return PAN{d}, nil
}

// luhn reports whether the digits end in a valid Luhn check digit.
func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// brandOf names the scheme of a number from its IIN and length, or "".
func brandOf(d string) Brand {
	if len(d) < 12 {
		return ""
	}
	p := func(n int) int { // the first n digits as a number
		v := 0
		for i := 0; i < n; i++ {
			v = v*10 + int(d[i]-'0')
		}
		return v
	}
	n := len(d)
	switch {
	case d[0] == '4' && (n == 13 || n == 16 || n == 19):
		return Visa
	case (p(2) >= 51 && p(2) <= 55 || p(4) >= 2221 && p(4) <= 2720) && n == 16:
		return Mastercard
	case (p(2) == 34 || p(2) == 37) && n == 15:
		return Amex
	case (p(4) == 6011 || p(3) >= 644 && p(3) <= 649 || p(2) == 65) && n >= 16:
		return Discover
	case p(4) >= 3528 && p(4) <= 3589 && n >= 16:
		return JCB
	case (p(3) >= 300 && p(3) <= 305 || p(2) == 36 || p(2) == 38 || p(2) == 39) && n >= 14:
		return Diners
	case p(2) == 62 && n >= 16:
		return UnionPay
	}
	return ""
}

// Brand is the card's scheme.
func (p PAN) Brand() Brand { return brandOf(p.digits) }

// Last4 is the last four digits, the most of the number ever shown.
func (p PAN) Last4() string {
	if len(p.digits) < 4 {
		return ""
	}
	return p.digits[len(p.digits)-4:]
}

// IsZero reports whether p holds no number.
func (p PAN) IsZero() bool { return p.digits == "" }

// Reveal returns the digits. Only a Provider sending the number to its
// acquirer and the vault sealing it call it; a test scans the source for
// other callers.
func (p PAN) Reveal() string { return p.digits }

// String shows the brand and last four: "visa •••• 4242".
func (p PAN) String() string {
	if p.digits == "" {
		return "no card"
	}
	return string(p.Brand()) + " •••• " + p.Last4()
}

// Format masks the number under every verb, %#v and %x included.
func (p PAN) Format(f fmt.State, _ rune) { fmt.Fprint(f, p.String()) }

// MarshalText masks the number in JSON, XML and logs.
func (p PAN) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// checkExpiry accepts a card valid through the end of month/year (a
// four-digit year, or two digits meaning 20yy) at now.
func checkExpiry(month, year int, now time.Time) (int, error) {
	if year >= 0 && year < 100 {
		year += 2000
	}
	now = now.UTC()
	if month < 1 || month > 12 || year < 2000 || year > now.Year()+25 {
		return 0, ErrBadExpiry
	}
	end := time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC)
	if !now.Before(end) {
		return 0, ErrExpiredCard
	}
	return year, nil
}

// checkCVV accepts 3 digits, or 4 for American Express.
func checkCVV(cvv string, b Brand) error {
	want := 3
	if b == Amex {
		want = 4
	}
	if len(cvv) != want || strings.Trim(cvv, "0123456789") != "" {
		return ErrBadCVV
	}
	return nil
}

// checkHolder accepts 2 to 100 characters of printable text.
func checkHolder(s string) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < 2 || n > 100 || strings.TrimSpace(s) != s ||
		strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ErrBadHolder
	}
	return nil
}
