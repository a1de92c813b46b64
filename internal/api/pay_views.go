package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
)

// paymentJSON is a payment as the API shows it: of the card, only what
// payment.CardInfo keeps on a payment (brand and last four).
type paymentJSON struct {
	ID           string    `json:"id"`
	Status       string    `json:"status"`
	CheckoutID   string    `json:"checkout_id"`
	OrderIDs     []string  `json:"order_ids"`
	Amount       moneyJSON `json:"amount"`
	Brand        string    `json:"brand"`
	Last4        string    `json:"last4"`
	DeclineCode  string    `json:"decline_code,omitempty"`
	ChallengeURL string    `json:"challenge_url,omitempty"`
	CreatedAt    string    `json:"created_at"`
	UpdatedAt    string    `json:"updated_at"`
}

func paymentOut(p payment.Payment) paymentJSON {
	out := paymentJSON{ID: p.ID, Status: string(p.Status), CheckoutID: p.CheckoutID, OrderIDs: p.OrderIDs,
		Amount: moneyOut(p.Amount), Brand: string(p.Card.Brand), Last4: p.Card.Last4, DeclineCode: p.DeclineCode,
		CreatedAt: timeOut(p.CreatedAt), UpdatedAt: timeOut(p.UpdatedAt)}
	if out.OrderIDs == nil {
		out.OrderIDs = []string{}
	}
	if p.Status == payment.StatusChallenge {
		// The simulated acquirer's 3-D Secure page, for the signed-in buyer.
		out.ChallengeURL = "/pay/challenge/" + p.ID
	}
	return out
}

type balanceJSON struct {
	Currency  string    `json:"currency"`
	Pending   moneyJSON `json:"pending"`
	Available moneyJSON `json:"available"`
	PaidOut   moneyJSON `json:"paid_out"`
}

func balancesOut(bs []escrow.Balance) map[string][]balanceJSON {
	out := make([]balanceJSON, len(bs))
	for i, b := range bs {
		out[i] = balanceJSON{Currency: string(b.Currency), Pending: moneyOut(b.Pending), Available: moneyOut(b.Available),
			PaidOut: moneyOut(b.PaidOut)}
	}
	return map[string][]balanceJSON{"balances": out}
}

// payError maps what the payment service refused to the client's
// answer, as the payment package documents each error. Messages are
// the sentinels' own texts, never err's (which may wrap a cause); none
// quotes a card. A decline is writeDecline's. nil: a fault (500).
func payError(err error, what string) *apiError {
	var fe *payment.FieldError
	switch {
	case cardError(err) != nil:
		return cardError(err)
	case errors.As(err, &fe):
		return fieldError(http.StatusUnprocessableEntity, "invalid_field", fe.Field, fe.Msg)
	case errors.Is(err, payment.ErrNotFound):
		return notFound(what)
	case errors.Is(err, payment.ErrAmountMismatch):
		return conflictErr("amount_mismatch", payment.ErrAmountMismatch.Error()+": read the checkout's orders again")
	case errors.Is(err, payment.ErrCurrencyMismatch):
		return conflictErr("currency_mismatch", payment.ErrCurrencyMismatch.Error())
	case errors.Is(err, payment.ErrAlreadyPaid):
		return conflictErr("already_paid", payment.ErrAlreadyPaid.Error())
	case errors.Is(err, payment.ErrNotPayable):
		return conflictErr("not_payable", payment.ErrNotPayable.Error())
	case errors.Is(err, payment.ErrInProgress):
		return conflictErr("payment_in_progress", payment.ErrInProgress.Error())
	case errors.Is(err, payment.ErrIdempotencyConflict):
		return &apiError{status: http.StatusUnprocessableEntity, code: "idempotency_conflict", message: payment.ErrIdempotencyConflict.Error()}
	case errors.Is(err, payment.ErrFailed):
		return &apiError{status: http.StatusBadGateway, code: "payment_failed", message: payment.ErrFailed.Error() + "; nothing was charged"}
	}
	return nil
}

// escrowError maps what escrow refused; nil for anything else.
func escrowError(err error) *apiError {
	var ve *order.ValidationError
	switch {
	case errors.Is(err, escrow.ErrDisputed):
		return conflictErr("disputed", escrow.ErrDisputed.Error())
	case errors.Is(err, escrow.ErrNotReleasable):
		return conflictErr("not_delivered", "the order is not marked as delivered")
	case errors.Is(err, escrow.ErrWindowClosed):
		return conflictErr("dispute_window_closed", escrow.ErrWindowClosed.Error())
	case errors.As(err, &ve) && ve.Field == "note":
		return fieldError(http.StatusUnprocessableEntity, "invalid_field", "reason", ve.Msg)
	}
	return domainError(err, "order")
}

// declineJSON is a card decline: the processor's reason code, and the
// payment it ended, to read again later. Nothing of the card.
type declineJSON struct {
	Error struct {
		Code        string `json:"code"`
		Message     string `json:"message"`
		DeclineCode string `json:"decline_code"`
		PaymentID   string `json:"payment_id,omitempty"`
	} `json:"error"`
}

func writeDecline(w http.ResponseWriter, code, paymentID string) {
	var body declineJSON
	body.Error.Code, body.Error.Message, body.Error.DeclineCode, body.Error.PaymentID =
		"card_declined", payment.ErrDeclined.Error(), code, paymentID
	b, _ := json.Marshal(body) // strings only
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusPaymentRequired)
	w.Write(append(b, '\n'))
}
