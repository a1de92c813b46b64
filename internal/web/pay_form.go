package web

import (
	"net/http"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
)

// payData is the card form's page: the orders the payment covers, their
// total, and a fresh nonce that makes a double submit one payment.
type payData struct {
	chrome
	CheckoutID string
	Orders     []orderRow
	Total      money.Amount
	Nonce      string
	Holder     string // the name on the card, as typed
	Card       string // the card last tried, "Visa ending 0002"; never more
}

// payable loads the checkout in the path for the signed-in buyer: its
// orders (404 when there are none of theirs) and what is due. On failure
// it has answered.
func (p *Pages) payable(w http.ResponseWriter, r *http.Request) (shopper, []order.Order, due, bool) {
	sh, ok := p.buyer(w, r)
	if !ok {
		return shopper{}, nil, due{}, false
	}
	id := r.PathValue("id")
	if p.pay.pay == nil || !ids.Valid("chk", id) {
		p.notFound(w, r)
		return shopper{}, nil, due{}, false
	}
	orders, err := p.orders.BuyerCheckout(r.Context(), sh.owner, id)
	if err != nil {
		p.serverError(w, r, err)
		return shopper{}, nil, due{}, false
	}
	for _, o := range orders {
		obj := authz.Object{Kind: "order", ID: o.ID, OwnerID: o.BuyerID, OrgID: o.OrgID, MerchantID: o.MerchantID}
		if d := authz.Decide(sh.actor, authz.OrderCreate, obj, time.Now()); !d.Allowed() {
			p.log.Warn("authz denied", "reason", d.Reason(), "request_id", reqID(r))
			orders = nil
			break
		}
	}
	if len(orders) == 0 {
		p.notFound(w, r)
		return shopper{}, nil, due{}, false
	}
	d, err := dueOf(orders, time.Now())
	if err != nil {
		p.serverError(w, r, err)
		return shopper{}, nil, due{}, false
	}
	return sh, orders, d, true
}

// nothingDue answers a checkout with nothing left to pay: its order
// page when it is paid, otherwise a conflict.
func (p *Pages) nothingDue(w http.ResponseWriter, r *http.Request, orders []order.Order, d due) {
	if d.Paid {
		http.Redirect(w, r, "/orders/"+orders[0].ID, http.StatusSeeOther)
		return
	}
	p.errorPage(w, r, http.StatusConflict, "Nothing to pay",
		"This order can no longer be paid: it was cancelled or its time to pay ran out. Nothing was charged.")
}

func (p *Pages) payForm(w http.ResponseWriter, r *http.Request) {
	sh, orders, d, ok := p.payable(w, r)
	if !ok {
		return
	}
	if len(d.Orders) == 0 {
		p.nothingDue(w, r, orders, d)
		return
	}
	p.renderPay(w, r, sh, d, http.StatusOK, "", "", "")
}

// renderPay shows the card form for what is due, with a new nonce.
// Nothing of a card is put back but the holder's name and, after a
// refusal, the brand and last four of the card tried.
func (p *Pages) renderPay(w http.ResponseWriter, r *http.Request, sh shopper, d due, status int, msg, holder, card string) {
	rows := make([]orderRow, len(d.Orders))
	for i, o := range d.Orders {
		rows[i] = orderRow{Order: o}
	}
	if err := p.merchantNames(r, rows); err != nil {
		p.serverError(w, r, err)
		return
	}
	pg, c := p.shopPage(w, r, sh, "Pay")
	pg.Error = msg
	pg.Data = &payData{chrome: c, CheckoutID: d.Orders[0].CheckoutID, Orders: rows, Total: d.Total, Nonce: newNonce(),
		Holder: holder, Card: card}
	p.render(w, status, "pay_form.html", pg)
}

func (p *Pages) paySubmit(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	sh, orders, d, ok := p.payable(w, r)
	if !ok {
		return
	}
	f := readCardForm(r)
	if len(d.Orders) == 0 {
		p.nothingDue(w, r, orders, d)
		return
	}
	if f.Problem != "" {
		p.renderPay(w, r, sh, d, http.StatusUnprocessableEntity, f.Problem, f.Holder, "")
		return
	}
	// The amount the buyer saw and confirmed; the payment service refuses
	// it if the total has changed since.
	shown, err := money.ParseDecimal(f.Amount, money.Currency(f.Curr))
	if err != nil {
		shown = money.Amount{}
	}
	if shown.Minor <= 0 {
		p.renderPay(w, r, sh, d, http.StatusConflict, "Check the total and pay again.", f.Holder, "")
		return
	}
	pm, err := p.pay.pay.Pay(r.Context(), payment.PayRequest{BuyerID: sh.owner, CheckoutID: d.Orders[0].CheckoutID, Amount: shown,
		Card:           &payment.CardInput{Number: f.Number, ExpMonth: f.Month, ExpYear: f.Year, Holder: f.Holder},
		CVV:            f.CVC,
		IdempotencyKey: payKey(f.Nonce)})
	p.payOutcome(w, r, sh, d.Orders[0].CheckoutID, pm, err, f.Holder)
}
