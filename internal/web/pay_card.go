package web

import (
	"crypto/rand"
	"encoding/base32"
	"net/http"
	"strings"

	"github.com/citadel-store/citadel/internal/payment"
)

// Card form fields and their byte limits. The card number allows 19
// digits with separators; nothing longer is read.
const (
	maxNumber = 40
	maxExpiry = 9 // "12 / 2030"
	maxCVC    = 4
	maxHolder = 400
)

// cardForm is what the card form posted. Number, expiry and CVC are
// used for one request and never shown again.
type cardForm struct {
	Number, CVC  string
	Month, Year  int
	Holder       string
	Nonce        string
	Amount, Curr string
	Problem      string // a message for the buyer, "" when readable
}

// readCardForm reads the posted card form. A field over its limit is
// not read at all, so it cannot reach a message.
func readCardForm(r *http.Request) cardForm {
	var f cardForm
	var ok bool
	f.Holder, ok = formText(r, "name", maxHolder)
	if !ok {
		f.Holder, f.Problem = "", "Enter the name on the card in plain text."
	}
	f.Nonce = r.PostFormValue("n")
	f.Amount, _ = formText(r, "amount", 32)
	f.Curr, _ = formText(r, "currency", 3)
	var exp string
	if f.Number, ok = formText(r, "number", maxNumber); !ok && f.Problem == "" {
		f.Number, f.Problem = "", "The card number is not valid."
	}
	if exp, ok = formText(r, "exp", maxExpiry); ok {
		f.Month, f.Year, ok = parseExpiry(exp)
	}
	if !ok && f.Problem == "" {
		f.Problem = "Enter the card's expiry date as MM/YY."
	}
	if f.CVC, ok = formText(r, "cvc", maxCVC); !ok && f.Problem == "" {
		f.CVC, f.Problem = "", payment.ErrBadCVV.Error()
	}
	if !validNonce(f.Nonce) && f.Problem == "" {
		f.Problem = "This form has expired: check the total and pay again."
	}
	if f.Problem != "" {
		f.Problem = capitalise(strings.TrimSuffix(f.Problem, ".")) + "."
	}
	return f
}

// parseExpiry reads MM/YY or MM/YYYY, spaces allowed around the slash.
func parseExpiry(s string) (month, year int, ok bool) {
	m, y, found := strings.Cut(strings.ReplaceAll(s, " ", ""), "/")
	if !found || len(m) < 1 || len(m) > 2 || (len(y) != 2 && len(y) != 4) {
		return 0, 0, false
	}
	month, okM := smallUint(m, 2)
	year, okY := smallUint(y, 4)
	if !okM || !okY || month < 1 || month > 12 {
		return 0, 0, false
	}
	return month, year, true
}

// newNonce names one showing of the card form: posted back, it is the
// payment's idempotency key, so a second submit of the same form is the
// same payment.
//
// It is lower-case base32 (128 bits), not hex: a hex string holds a run of
// 13 or more decimal digits often enough (a few times in a thousand, with
// a valid Luhn digit) that the response check took the page for one
// showing a card number and blocked it.
func newNonce() string {
	var b [16]byte
	rand.Read(b[:])
	return nonceEncoding().EncodeToString(b[:])
}

func nonceEncoding() *base32.Encoding {
	return base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
}

func validNonce(s string) bool {
	if len(s) != 26 {
		return false
	}
	b, err := nonceEncoding().DecodeString(s)
	return err == nil && len(b) == 16
}

// payKey is the idempotency key of a web payment.
func payKey(nonce string) string { return "web:" + nonce }
