package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/citadel-store/citadel/internal/payment"
)

// payOutcome answers what Pay or CompleteChallenge returned: the order
// page once paid, the challenge page, the "confirming" page, or the form
// again with a message that says what to do. Messages come from the
// payment package's safe texts, which never quote a card.
func (p *Pages) payOutcome(w http.ResponseWriter, r *http.Request, sh shopper, checkoutID string, pm payment.Payment, err error, holder string) {
	var de *payment.DeclineError
	var fe *payment.FieldError
	again := func(status int, msg, card string) {
		orders, err := p.orders.BuyerCheckout(r.Context(), sh.owner, checkoutID)
		if err != nil {
			p.serverError(w, r, err)
			return
		}
		d, err := dueOf(orders, time.Now())
		switch {
		case err != nil:
			p.serverError(w, r, err)
		case len(d.Orders) == 0 && len(orders) > 0:
			p.nothingDue(w, r, orders, d)
		case len(d.Orders) == 0:
			p.notFound(w, r)
		default:
			p.renderPay(w, r, sh, d, status, msg, holder, card)
		}
	}
	switch {
	case err == nil && pm.Status == payment.StatusCaptured:
		http.Redirect(w, r, "/orders/"+pm.OrderIDs[0], http.StatusSeeOther)
	case err == nil && pm.Status == payment.StatusChallenge:
		http.Redirect(w, r, "/pay/challenge/"+pm.ID, http.StatusSeeOther)
	case (err == nil || errors.Is(err, payment.ErrPending)) && pm.ID != "":
		http.Redirect(w, r, "/payments/"+pm.ID, http.StatusSeeOther)
	case errors.As(err, &de):
		again(http.StatusPaymentRequired, declineMessage(de.Code), cardLabel(pm.Card))
	case errors.Is(err, payment.ErrAmountMismatch), errors.Is(err, payment.ErrCurrencyMismatch):
		again(http.StatusConflict, "The amount to pay has changed since you opened this page. Nothing was charged: check the total and pay again.", "")
	case errors.Is(err, payment.ErrIdempotencyConflict):
		again(http.StatusConflict, "This form was already used for another payment. Nothing more was charged: check the total and pay again.", "")
	case errors.Is(err, payment.ErrAlreadyPaid):
		again(http.StatusConflict, "", "") // answers with the order page
	case errors.Is(err, payment.ErrInProgress):
		p.errorPage(w, r, http.StatusConflict, "Payment under way",
			"A payment for this order is already under way. Nothing more was charged: check your orders in a moment.")
	case errors.Is(err, payment.ErrNotPayable):
		p.errorPage(w, r, http.StatusConflict, "Nothing to pay",
			"This order can no longer be paid: it was cancelled or its time to pay ran out. Anything charged is returned to your card.")
	case errors.Is(err, payment.ErrFailed):
		p.errorPage(w, r, http.StatusBadGateway, "Payment not completed",
			"The card processor could not complete the payment. Nothing was charged: try again later.")
	case errors.Is(err, payment.ErrNotFound):
		p.notFound(w, r)
	case cardProblem(err) != "":
		again(http.StatusUnprocessableEntity, cardProblem(err), "")
	case errors.As(err, &fe):
		again(http.StatusUnprocessableEntity, "Check the card details and pay again.", "")
	default:
		p.serverError(w, r, err)
	}
}

// cardErrors are the card errors whose messages the form shows as they
// are: each is written to be shown and quotes nothing of the card.
var cardErrors = []error{payment.ErrInvalidCard, payment.ErrUnsupportedCard, payment.ErrBadExpiry, payment.ErrExpiredCard,
	payment.ErrBadCVV, payment.ErrBadHolder}

// cardProblem is the message for a card error, "" for anything else. It
// uses the sentinel's text, never err's, which might wrap more.
func cardProblem(err error) string {
	for _, ce := range cardErrors {
		if errors.Is(err, ce) {
			return capitalise(ce.Error()) + "."
		}
	}
	return ""
}

// declineMessage explains a decline code to the buyer.
func declineMessage(code string) string {
	switch code {
	case "insufficient_funds":
		return "Your card was declined: there are not enough funds on it. Nothing was charged: try another card."
	case "authentication_failed":
		return "Your bank did not confirm the payment. Nothing was charged: try again or use another card."
	}
	return "Your card was declined by its bank. Nothing was charged: try another card or contact your bank."
}

var brandNames = map[payment.Brand]string{
	payment.Visa: "Visa", payment.Mastercard: "Mastercard", payment.Amex: "American Express", payment.Discover: "Discover",
	payment.JCB: "JCB", payment.Diners: "Diners Club", payment.UnionPay: "UnionPay",
}

// cardLabel is all a page shows of a card: "Visa ending 4242".
func cardLabel(c payment.CardInfo) string {
	if c.Last4 == "" {
		return ""
	}
	name := brandNames[c.Brand]
	if name == "" {
		name = "Card"
	}
	return name + " ending " + c.Last4
}
