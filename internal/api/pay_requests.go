package api

import (
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/payment"
)

// payRequest is the body of POST /checkouts/{id}/pay. The card's number,
// code and expiry are used for this one request: they are handed to the
// payment service (which seals the number in the vault at once and
// forgets the code) and never appear in a response or an error.
type payRequest struct {
	Card   *cardRequest  `json:"card"`
	Amount *moneyRequest `json:"amount"` // optional: the total the buyer confirmed
}

type cardRequest struct {
	Number   *string `json:"number"`
	ExpMonth *int    `json:"exp_month"`
	ExpYear  *int    `json:"exp_year"`
	CVC      *string `json:"cvc"`
	Name     *string `json:"name"`
}

type moneyRequest struct {
	Amount   *string `json:"amount"`
	Currency *string `json:"currency"`
}

// payInput is a pay request with every field present and bounded; the
// payment service checks the card itself (Luhn, scheme, expiry, code).
type payInput struct {
	card   payment.CardInput
	cvc    string
	amount *money.Amount // nil: the checkout's total due
}

// Byte bounds on card fields, checked before anything else reads them.
const (
	maxCardNumber = 40
	maxCardCVC    = 4
	maxCardName   = 400
)

func (req payRequest) validate() (payInput, *apiError) {
	c := req.Card
	switch {
	case c == nil:
		return payInput{}, missing("card")
	case c.Number == nil:
		return payInput{}, missing("card.number")
	case c.ExpMonth == nil:
		return payInput{}, missing("card.exp_month")
	case c.ExpYear == nil:
		return payInput{}, missing("card.exp_year")
	case c.CVC == nil:
		return payInput{}, missing("card.cvc")
	case c.Name == nil:
		return payInput{}, missing("card.name")
	case len(*c.Number) > maxCardNumber:
		return payInput{}, cardError(payment.ErrInvalidCard)
	case len(*c.CVC) > maxCardCVC:
		return payInput{}, cardError(payment.ErrBadCVV)
	case len(*c.Name) > maxCardName:
		return payInput{}, cardError(payment.ErrBadHolder)
	}
	in := payInput{card: payment.CardInput{Number: *c.Number, ExpMonth: *c.ExpMonth, ExpYear: *c.ExpYear, Holder: *c.Name},
		cvc: *c.CVC}
	if m := req.Amount; m != nil {
		if m.Amount == nil || m.Currency == nil {
			return payInput{}, missing("amount.amount and amount.currency")
		}
		cur := money.Currency(*m.Currency)
		if !cur.Valid() {
			return payInput{}, fieldError(http.StatusBadRequest, "invalid_currency", "amount.currency", "an ISO 4217 code like \"EUR\"")
		}
		a, e := amount("amount.amount", *m.Amount, cur)
		if e != nil {
			return payInput{}, e
		}
		in.amount = &a
	}
	return in, nil
}

// parsePay is decode-then-validate for POST /checkouts/{id}/pay.
func parsePay(body []byte) (payInput, *apiError) {
	var req payRequest
	if e := decodeBytes(body, &req); e != nil {
		return payInput{}, e
	}
	return req.validate()
}

// cardErrors map the payment service's card errors to codes and fields.
// The messages are the errors' own, written to be shown; none quotes the
// card.
var cardErrors = []struct {
	err         error
	code, field string
}{
	{payment.ErrInvalidCard, "invalid_card_number", "card.number"},
	{payment.ErrUnsupportedCard, "card_not_supported", "card.number"},
	{payment.ErrBadExpiry, "invalid_expiry", "card.exp_month"},
	{payment.ErrExpiredCard, "card_expired", "card.exp_year"},
	{payment.ErrBadCVV, "invalid_cvc", "card.cvc"},
	{payment.ErrBadHolder, "invalid_name", "card.name"},
}

// cardError answers a card error (422), or returns nil for anything else.
func cardError(err error) *apiError {
	for _, ce := range cardErrors {
		if errors.Is(err, ce.err) {
			return &apiError{status: http.StatusUnprocessableEntity, code: ce.code, message: ce.err.Error(), field: ce.field}
		}
	}
	return nil
}
