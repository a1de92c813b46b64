package api

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/payment"
)

// payRoutes are paying for a checkout, reading a payment, the buyer's
// side of escrow (confirming delivery, opening a dispute) and a
// merchant's balances.
//
// Paying is part of checking out (OrderCreate), and so is confirming
// delivery, which completes the purchase: no action of its own exists.
// Every handler loads its object with the caller in the query, so
// another buyer's checkout, payment or order is a 404.
func (a *API) payRoutes() []Route {
	return []Route{
		{Pattern: "POST /api/v1/checkouts/{id}/pay", Action: authz.OrderCreate, Idempotent: true, handler: a.payCheckout},
		{Pattern: "GET /api/v1/payments/{id}", Action: authz.OrderRead, handler: a.getPayment},
		{Pattern: "POST /api/v1/orders/{id}/confirm-delivery", Action: authz.OrderCreate, handler: a.confirmDelivery},
		{Pattern: "POST /api/v1/orders/{id}/disputes", Action: authz.DisputeOpen, handler: a.openDispute},
		{Pattern: "GET /api/v1/merchant/balances", Action: authz.PayoutRead, handler: a.merchantBalances},
	}
}

// payCheckout pays every order of the checkout still waiting for
// payment: 201 once captured (the orders are paid and their money is in
// escrow), 202 when 3-D Secure must be passed first (challenge_url) or
// the card processor's answer is not known yet (GET the payment later;
// reconciliation settles it within minutes), 402 on a decline.
//
// The payment's own idempotency key is the request's Idempotency-Key:
// besides the stored response, the payment service makes a repeat with
// that key the same payment, however it ended. Without the header each
// request is a new attempt, and the payment service still refuses a
// second live payment of the checkout (409 payment_in_progress) or one
// already paid (409 already_paid).
func (a *API) payCheckout(w http.ResponseWriter, r *http.Request, c *Call) {
	if a.pay == nil {
		writeAPIError(w, notFound("checkout"))
		return
	}
	id, ok := pathID(w, r, "id", "chk", "checkout")
	if !ok {
		return
	}
	body, e := readBody(r)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	in, e := parsePay(body)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	orders, err := a.orders.BuyerCheckout(r.Context(), c.Actor.AccountID, id)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if len(orders) == 0 {
		writeAPIError(w, notFound("checkout"))
		return
	}
	for _, o := range orders {
		if !a.decide(w, r, c, authz.OrderCreate, orderObject(o), "checkout") {
			return
		}
	}
	d, err := dueOf(orders, a.now())
	if err != nil {
		a.internal(w, r, err)
		return
	}
	total := in.amount
	switch {
	case total != nil:
	case len(d.orders) > 0:
		total = &d.total
	case d.paid:
		writeAPIError(w, payError(payment.ErrAlreadyPaid, "checkout"))
		return
	default:
		writeAPIError(w, payError(payment.ErrNotPayable, "checkout"))
		return
	}
	// The header's key is at most 255 characters, the payment's 200: its
	// hash names it.
	var key string
	if h := r.Header.Get("Idempotency-Key"); h != "" {
		sum := sha256.Sum256([]byte(h))
		key = hex.EncodeToString(sum[:])
	} else {
		var b [16]byte
		rand.Read(b[:])
		key = "once:" + hex.EncodeToString(b[:])
	}
	card := in.card
	p, err := a.pay.Pay(r.Context(), payment.PayRequest{BuyerID: c.Actor.AccountID, CheckoutID: id, Amount: *total,
		Card: &card, CVV: in.cvc, IdempotencyKey: "api:" + key})
	a.answerPayment(w, r, p, err)
}

// answerPayment answers what Pay returned.
func (a *API) answerPayment(w http.ResponseWriter, r *http.Request, p payment.Payment, err error) {
	var de *payment.DeclineError
	switch {
	case err == nil && p.Status == payment.StatusCaptured:
		w.Header().Set("Location", "/api/v1/payments/"+p.ID)
		writeJSON(w, http.StatusCreated, paymentOut(p))
	case (err == nil || errors.Is(err, payment.ErrPending)) && p.ID != "":
		w.Header().Set("Location", "/api/v1/payments/"+p.ID)
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusAccepted, paymentOut(p))
	case errors.As(err, &de):
		writeDecline(w, de.Code, p.ID)
	case err != nil && payError(err, "checkout") != nil:
		writeAPIError(w, payError(err, "checkout"))
	default:
		a.internal(w, r, err)
	}
}

func (a *API) getPayment(w http.ResponseWriter, r *http.Request, c *Call) {
	if a.pay == nil {
		writeAPIError(w, notFound("payment"))
		return
	}
	id, ok := pathID(w, r, "id", "pay", "payment")
	if !ok {
		return
	}
	p, err := a.pay.Get(r.Context(), c.Actor.AccountID, id)
	if err != nil {
		a.fail(w, r, err, "payment")
		return
	}
	if !a.decide(w, r, c, authz.OrderRead, authz.Object{Kind: "payment", ID: p.ID, OwnerID: p.BuyerID}, "payment") {
		return
	}
	writeJSON(w, http.StatusOK, paymentOut(p))
}

// confirmDelivery is the buyer saying the order arrived: the order is
// completed and escrow releases its money to the merchant, less the fee.
// It takes no body (or an empty object).
func (a *API) confirmDelivery(w http.ResponseWriter, r *http.Request, c *Call) {
	if e := noBody(r); e != nil {
		writeAPIError(w, e)
		return
	}
	o, ok := a.loadBuyerOrder(w, r, c, authz.OrderCreate)
	if !ok {
		return
	}
	if a.escrow == nil {
		writeAPIError(w, notFound("order"))
		return
	}
	if _, err := a.escrow.Confirm(r.Context(), c.Actor.AccountID, o.ID); err != nil {
		a.escrowFail(w, r, err)
		return
	}
	a.answerBuyerOrder(w, r, c, o.ID, http.StatusOK)
}

// openDispute freezes the order's money in escrow until support decides
// (201: the order, now disputed).
func (a *API) openDispute(w http.ResponseWriter, r *http.Request, c *Call) {
	var req reasonRequest
	if e := decode(r, &req); e != nil {
		writeAPIError(w, e)
		return
	}
	reason, e := req.validate()
	if e != nil {
		writeAPIError(w, e)
		return
	}
	o, ok := a.loadBuyerOrder(w, r, c, authz.DisputeOpen)
	if !ok {
		return
	}
	if a.escrow == nil {
		writeAPIError(w, notFound("order"))
		return
	}
	if err := a.escrow.OpenDispute(r.Context(), c.Actor.AccountID, o.ID, reason); err != nil {
		a.escrowFail(w, r, err)
		return
	}
	a.answerBuyerOrder(w, r, c, o.ID, http.StatusCreated)
}

func (a *API) escrowFail(w http.ResponseWriter, r *http.Request, err error) {
	if e := escrowError(err); e != nil {
		writeAPIError(w, e)
		return
	}
	a.internal(w, r, err)
}

func (a *API) answerBuyerOrder(w http.ResponseWriter, r *http.Request, c *Call, id string, status int) {
	o, err := a.orders.BuyerOrder(r.Context(), c.Actor.AccountID, id)
	if err != nil {
		a.fail(w, r, err, "order")
		return
	}
	writeJSON(w, status, orderOut(o, false))
}

// merchantBalances lists the caller's merchant's pending (in escrow),
// available and paid-out money per currency. A role that reads payouts
// without working for a merchant (an auditor) has no balances here.
func (a *API) merchantBalances(w http.ResponseWriter, r *http.Request, c *Call) {
	if c.Actor.MerchantID == "" {
		writeAPIError(w, &apiError{status: http.StatusForbidden, code: "not_a_merchant", message: "this account does not work for a merchant"})
		return
	}
	if !a.decide(w, r, c, authz.PayoutRead, authz.Object{Kind: "merchant", ID: c.Actor.MerchantID, MerchantID: c.Actor.MerchantID}, "merchant") {
		return
	}
	if a.escrow == nil {
		writeAPIError(w, notFound("merchant"))
		return
	}
	bs, err := a.escrow.Balances(r.Context(), c.Actor.MerchantID)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, balancesOut(bs))
}

// noBody accepts an empty body or an empty JSON object, strictly.
func noBody(r *http.Request) *apiError {
	body, e := readBody(r)
	if e != nil || len(bytes.TrimSpace(body)) == 0 {
		return e
	}
	return decodeBytes(body, &struct{}{})
}
