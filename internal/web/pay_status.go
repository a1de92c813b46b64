package web

import (
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/payment"
)

// paymentData is a payment's page: where it stands when it is not
// simply paid (which shows the order) or waiting for 3-D Secure.
type paymentData struct {
	chrome
	ID         string
	CheckoutID string
	Amount     money.Amount
	Card       string
	Pending    bool   // the processor's answer is not known yet
	Message    string // what happened, for a payment that ended unpaid
	PayAgain   bool   // the checkout can still be paid
}

// buyerPayment loads the payment in the path for the signed-in buyer;
// another buyer's is a 404. On failure it has answered.
func (p *Pages) buyerPayment(w http.ResponseWriter, r *http.Request) (shopper, payment.Payment, bool) {
	sh, ok := p.buyer(w, r)
	if !ok {
		return shopper{}, payment.Payment{}, false
	}
	id := r.PathValue("id")
	if p.pay.pay == nil || !ids.Valid("pay", id) {
		p.notFound(w, r)
		return shopper{}, payment.Payment{}, false
	}
	pm, err := p.pay.pay.Get(r.Context(), sh.owner, id)
	if errors.Is(err, payment.ErrNotFound) {
		p.notFound(w, r)
		return shopper{}, payment.Payment{}, false
	}
	if err != nil {
		p.serverError(w, r, err)
		return shopper{}, payment.Payment{}, false
	}
	return sh, pm, true
}

func (p *Pages) paymentPage(w http.ResponseWriter, r *http.Request) {
	sh, pm, ok := p.buyerPayment(w, r)
	if !ok {
		return
	}
	d := &paymentData{ID: pm.ID, CheckoutID: pm.CheckoutID, Amount: pm.Amount, Card: cardLabel(pm.Card)}
	switch pm.Status {
	case payment.StatusCaptured:
		http.Redirect(w, r, "/orders/"+pm.OrderIDs[0], http.StatusSeeOther)
		return
	case payment.StatusChallenge:
		http.Redirect(w, r, "/pay/challenge/"+pm.ID, http.StatusSeeOther)
		return
	case payment.StatusDeclined:
		d.Message, d.PayAgain = declineMessage(pm.DeclineCode), true
	case payment.StatusVoided, payment.StatusReversed:
		d.Message = "This order could no longer be paid: it was cancelled or its time to pay ran out. Anything charged is returned to your card."
	case payment.StatusFailed:
		d.Message, d.PayAgain = "The card processor could not complete the payment. Nothing was charged.", true
	default: // authorising, capturing, voiding, reversing
		d.Pending = true
	}
	pg, c := p.shopPage(w, r, sh, "Your payment")
	d.chrome = c
	pg.Data = d
	p.render(w, http.StatusOK, "pay_status.html", pg)
}

// paymentCheck asks the processor again about a payment whose answer was
// lost. CompleteChallenge goes on from wherever a payment stands, with
// the same provider keys, and moves nothing twice; Reconcile does the
// same every minute.
func (p *Pages) paymentCheck(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	sh, pm, ok := p.buyerPayment(w, r)
	if !ok {
		return
	}
	if _, err := p.pay.pay.CompleteChallenge(r.Context(), sh.owner, pm.ID); err != nil && !paymentOutcome(err) {
		p.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/payments/"+pm.ID, http.StatusSeeOther)
}

// paymentOutcome reports whether err is how a payment ended (or that it
// has not yet), which the payment's page shows, rather than a fault.
func paymentOutcome(err error) bool {
	for _, e := range []error{payment.ErrPending, payment.ErrDeclined, payment.ErrNotPayable, payment.ErrFailed} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// challengeData is the simulated 3-D Secure page.
type challengeData struct {
	chrome
	ID     string
	Amount money.Amount
	Card   string
}

// challengePage stands in for the card issuer's 3-D Secure page: the
// simulated acquirer has no bank behind it, so the buyer approves or
// rejects here. With another provider there is no such page.
func (p *Pages) challengePage(w http.ResponseWriter, r *http.Request) {
	sh, pm, ok := p.challengePayment(w, r)
	if !ok {
		return
	}
	p.renderChallenge(w, r, sh, pm, http.StatusOK, "")
}

func (p *Pages) renderChallenge(w http.ResponseWriter, r *http.Request, sh shopper, pm payment.Payment, status int, msg string) {
	pg, c := p.shopPage(w, r, sh, "Confirm your payment")
	pg.Error = msg
	pg.Data = &challengeData{chrome: c, ID: pm.ID, Amount: pm.Amount, Card: cardLabel(pm.Card)}
	p.render(w, status, "pay_challenge.html", pg)
}

// challengePayment loads the buyer's payment for the challenge page; one
// not waiting for a challenge goes to its own page.
func (p *Pages) challengePayment(w http.ResponseWriter, r *http.Request) (shopper, payment.Payment, bool) {
	if p.pay.acquirer == nil {
		p.notFound(w, r)
		return shopper{}, payment.Payment{}, false
	}
	sh, pm, ok := p.buyerPayment(w, r)
	if ok && pm.Status != payment.StatusChallenge {
		http.Redirect(w, r, "/payments/"+pm.ID, http.StatusSeeOther)
		return shopper{}, payment.Payment{}, false
	}
	return sh, pm, ok
}

func (p *Pages) challengeSubmit(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	sh, pm, ok := p.challengePayment(w, r)
	if !ok {
		return
	}
	var passed bool
	switch r.PostFormValue("decision") {
	case "approve":
		passed = true
	case "reject":
	default:
		p.renderChallenge(w, r, sh, pm, http.StatusUnprocessableEntity, "Choose Approve or Reject.")
		return
	}
	if err := p.pay.acquirer.CompleteChallenge(r.Context(), pm.ChallengeID, passed); err != nil {
		p.serverError(w, r, err)
		return
	}
	pm2, err := p.pay.pay.CompleteChallenge(r.Context(), sh.owner, pm.ID)
	if pm2.ID == "" {
		pm2 = pm
	}
	p.payOutcome(w, r, sh, pm.CheckoutID, pm2, err, "")
}
