package evidence

import "fmt"

// PaymentInstruction is the SET payment instruction: how a checkout is
// paid, for the payment side only. It holds the vault token, never a card
// number; merchants and receipts see only its hash and the brand and last
// four digits.
type PaymentInstruction struct {
	CheckoutID string
	BuyerID    string
	// Nonce is 16 or more random bytes in base64url (NewNonce), separate
	// from the OI's. It keeps H(PI), which merchants see, from being
	// guessed from the few values a PI holds.
	Nonce     string
	CardToken string // the vault's token
	Brand     string // lower case: "visa", "mastercard", ...
	Last4     string
	Amount    int64 // minor units; equals the OI's Total
	Currency  string
}

// String leaves the token out, so a PI that reaches a log shows no more
// than a receipt does.
func (pi PaymentInstruction) String() string {
	return fmt.Sprintf("PaymentInstruction{checkout %s, %s ••%s, %d %s}", pi.CheckoutID, pi.Brand, pi.Last4, pi.Amount, pi.Currency)
}

// GoString is String, for %#v.
func (pi PaymentInstruction) GoString() string { return pi.String() }

// PaymentSummary is what a receipt may say of the payment.
type PaymentSummary struct {
	Brand    string
	Last4    string
	Amount   int64
	Currency string
}

const typePaymentInstruction = "citadel.payment-instruction/v1"

func (pi *PaymentInstruction) value() map[string]any {
	return map[string]any{
		"type": typePaymentInstruction, "checkout_id": pi.CheckoutID, "buyer_id": pi.BuyerID, "nonce": pi.Nonce,
		"card_token": pi.CardToken, "brand": pi.Brand, "last4": pi.Last4, "amount": pi.Amount, "currency": pi.Currency,
	}
}

func decodePaymentInstruction(t *tree, n *node, name string) (PaymentInstruction, error) {
	var err error
	o := readObject(t, n, name, &err)
	if o.str("type") != typePaymentInstruction && err == nil {
		o.fail("type", "not %s", typePaymentInstruction)
	}
	pi := PaymentInstruction{CheckoutID: o.str("checkout_id"), BuyerID: o.str("buyer_id"), Nonce: o.str("nonce"),
		CardToken: o.str("card_token"), Brand: o.str("brand"), Last4: o.str("last4"),
		Amount: o.int("amount"), Currency: o.str("currency")}
	o.done()
	if err != nil {
		return PaymentInstruction{}, err
	}
	return pi, pi.validate()
}

func (pi *PaymentInstruction) validate() error {
	return firstErr(
		checkID("payment checkout_id", pi.CheckoutID),
		checkID("payment buyer_id", pi.BuyerID),
		checkNonce("payment nonce", pi.Nonce),
		checkID("payment card_token", pi.CardToken),
		pi.summary().validate(),
	)
}

func (pi *PaymentInstruction) summary() PaymentSummary {
	return PaymentSummary{Brand: pi.Brand, Last4: pi.Last4, Amount: pi.Amount, Currency: pi.Currency}
}

func (s PaymentSummary) value() map[string]any {
	return map[string]any{"brand": s.Brand, "last4": s.Last4, "amount": s.Amount, "currency": s.Currency}
}

func decodePaymentSummary(o *obj) PaymentSummary {
	s := PaymentSummary{Brand: o.str("brand"), Last4: o.str("last4"), Amount: o.int("amount"), Currency: o.str("currency")}
	o.done()
	return s
}

func (s PaymentSummary) validate() error {
	if s.Brand == "" || len(s.Brand) > 32 || !isLowerWord(s.Brand) {
		return fmt.Errorf("%w: card brand %q", ErrInvalidDocument, s.Brand)
	}
	if len(s.Last4) != 4 || !isDigits(s.Last4) {
		return fmt.Errorf("%w: card last4 must be 4 digits", ErrInvalidDocument)
	}
	return firstErr(checkAmount("payment amount", s.Amount), checkCurrency("payment currency", s.Currency))
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
