package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
)

// disputeData is support's view of a disputed (or once disputed) order:
// what was bought, what escrow holds and the history with the buyer's
// reason. The delivery address is not shown: deciding needs none of it.
type disputeData struct {
	orderRow
	Hold       escrow.Hold
	Remaining  money.Amount
	History    []eventRow
	CanResolve bool   // disputed, and this account may decide now
	StepUpURL  string // when deciding needs a fresh second factor first
	Decision   string // as posted, to show again
	Amount     string
	Note       string
}

// supportDispute loads the order in the path with its escrow hold and
// decides act on it. An order never paid has no hold: 404, like one
// that does not exist.
func (p *Pages) supportDispute(w http.ResponseWriter, r *http.Request, act authz.Action) (*identity.Session, order.Order, escrow.Hold, bool) {
	s := p.requireSession(w, r)
	if s == nil {
		return nil, order.Order{}, escrow.Hold{}, false
	}
	id := r.PathValue("id")
	if p.pay.escrow == nil || !ids.Valid("ord", id) {
		p.notFound(w, r)
		return nil, order.Order{}, escrow.Hold{}, false
	}
	h, err := p.pay.escrow.HoldOf(r.Context(), id)
	var o order.Order
	if err == nil {
		o, err = p.orders.BuyerOrder(r.Context(), h.BuyerID, id)
	}
	if errors.Is(err, escrow.ErrNotFound) {
		p.notFound(w, r)
		return nil, order.Order{}, escrow.Hold{}, false
	}
	if err != nil {
		p.serverError(w, r, err)
		return nil, order.Order{}, escrow.Hold{}, false
	}
	obj := authz.Object{Kind: "order", ID: o.ID, OwnerID: o.BuyerID, OrgID: o.OrgID, MerchantID: o.MerchantID}
	if d := authz.Decide(s.Actor(), act, obj, time.Now()); !d.Allowed() {
		p.log.Warn("authz denied", "reason", d.Reason(), "request_id", reqID(r))
		p.notFound(w, r)
		return nil, order.Order{}, escrow.Hold{}, false
	}
	return s, o, h, true
}

func (p *Pages) disputePage(w http.ResponseWriter, r *http.Request) {
	s, o, h, ok := p.supportDispute(w, r, authz.DisputeRead)
	if !ok {
		return
	}
	notice := ""
	switch r.URL.Query().Get("m") {
	case "resolved":
		notice = "The dispute is decided: the money moved as shown below."
	case "queued":
		notice = "The dispute is decided. The refund is queued and is sent to the card shortly."
	}
	p.renderDispute(w, r, s, o, h, http.StatusOK, "", notice, nil)
}

func (p *Pages) renderDispute(w http.ResponseWriter, r *http.Request, s *identity.Session, o order.Order, h escrow.Hold,
	status int, msg, notice string, posted *disputeData) {
	d := &disputeData{orderRow: orderRow{Order: o}, Hold: h, Remaining: h.Remaining()}
	if posted != nil {
		d.Decision, d.Amount, d.Note = posted.Decision, posted.Amount, posted.Note
	}
	for _, e := range o.Events {
		d.History = append(d.History, eventRow{e})
	}
	rows := []orderRow{d.orderRow}
	if err := p.merchantNames(r, rows); err != nil {
		p.serverError(w, r, err)
		return
	}
	d.orderRow = rows[0]
	if o.Status == order.Disputed {
		obj := authz.Object{Kind: "order", ID: o.ID, OwnerID: o.BuyerID, OrgID: o.OrgID, MerchantID: o.MerchantID}
		dec := authz.Decide(s.Actor(), authz.DisputeResolve, obj, time.Now())
		d.CanResolve = dec.Allowed()
		if dec.NeedStepUp() {
			d.StepUpURL = "/account/stepup?next=/support/disputes/" + o.ID
		}
	}
	pg := p.newPage(w, r, "Dispute about order "+o.ID)
	pg.Error, pg.Notice, pg.Data = msg, notice, d
	p.render(w, status, "pay_dispute.html", pg)
}

// disputeResolve applies support's decision: a full refund to the card,
// a partial refund with the rest released, or release to the merchant.
// Each is one ledger transaction in escrow; nothing moves on a refusal.
func (p *Pages) disputeResolve(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	s, o, h, ok := p.supportDispute(w, r, authz.DisputeResolve)
	if !ok {
		return
	}
	posted := &disputeData{Decision: r.PostFormValue("decision")}
	posted.Amount, _ = formText(r, "amount", 32)
	note, noteOK := formText(r, "note", 2000)
	posted.Note = note
	again := func(status int, msg string) { p.renderDispute(w, r, s, o, h, status, msg, "", posted) }
	res := escrow.Resolution{Decision: escrow.Decision(posted.Decision), Note: note}
	switch res.Decision {
	case escrow.RefundInFull, escrow.ReleaseToShop:
	case escrow.RefundPartly:
		a, err := money.ParseDecimal(posted.Amount, h.Paid.Currency)
		if err != nil || a.Minor <= 0 {
			again(http.StatusUnprocessableEntity, "Enter the amount to refund as a number in "+string(h.Paid.Currency)+", like 12.50.")
			return
		}
		res.Amount = a
	default:
		again(http.StatusUnprocessableEntity, "Choose a decision.")
		return
	}
	if !noteOK || note == "" {
		again(http.StatusUnprocessableEntity, "Give the reason for the decision (at most 500 characters): the buyer and the merchant see it.")
		return
	}
	out, err := p.pay.escrow.Resolve(r.Context(), order.Actor{ID: s.Account.ID, Kind: order.BySupport}, o.ID, res)
	var ve *order.ValidationError
	switch {
	case err == nil && out.RefundID != "" && !out.Sent:
		http.Redirect(w, r, "/support/disputes/"+o.ID+"?m=queued", http.StatusSeeOther)
	case err == nil:
		http.Redirect(w, r, "/support/disputes/"+o.ID+"?m=resolved", http.StatusSeeOther)
	case errors.Is(err, escrow.ErrRefundTooLarge):
		again(http.StatusConflict, "The refund is larger than what escrow holds for this order ("+h.Remaining().String()+"). Nothing moved.")
	case errors.Is(err, escrow.ErrNotDisputed):
		again(http.StatusConflict, "This order is not under dispute any more. Nothing moved.")
	case errors.As(err, &ve):
		again(http.StatusUnprocessableEntity, capitalise(ve.Msg)+". Nothing moved.")
	case errors.Is(err, escrow.ErrNotReleasable), errors.Is(err, order.ErrIllegalTransition):
		again(http.StatusConflict, "This decision cannot be applied to the order as it stands. Nothing moved.")
	case errors.Is(err, escrow.ErrForbidden):
		p.errorPage(w, r, http.StatusForbidden, "Not allowed", "You may not do this.")
	default:
		p.serverError(w, r, err)
	}
}
