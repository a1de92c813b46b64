package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/order"
)

// disputeReasons are what a buyer may say went wrong: chosen, not typed,
// so the order's history (which its merchant reads) holds no free text
// from the form. shop_order.html offers the same list (a test holds the
// two together).
var disputeReasons = []string{"Not received", "Not as described", "Damaged", "Wrong item", "Other problem"}

// confirmDelivery is the buyer saying the goods arrived: escrow releases
// the order's money to the merchant, less the platform's fee.
func (p *Pages) confirmDelivery(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	sh, ok := p.buyer(w, r)
	if !ok {
		return
	}
	o, ok := p.buyerOrder(w, r, sh, authz.OrderCreate)
	if !ok {
		return
	}
	if p.pay.escrow == nil {
		p.notFound(w, r)
		return
	}
	_, err := p.pay.escrow.Confirm(r.Context(), sh.owner, o.ID)
	switch {
	case err == nil:
		http.Redirect(w, r, "/orders/"+o.ID, http.StatusSeeOther)
	case errors.Is(err, escrow.ErrDisputed):
		p.renderOrder(w, r, sh, o, http.StatusConflict, "This order is under dispute: support will decide what happens to the payment.", "", false)
	case errors.Is(err, escrow.ErrNotReleasable), errors.Is(err, order.ErrIllegalTransition):
		p.renderOrder(w, r, sh, o, http.StatusConflict, "This order is not marked as delivered: confirm it once it has arrived.", "", false)
	case errors.Is(err, escrow.ErrNotFound):
		p.notFound(w, r)
	default:
		p.serverError(w, r, err)
	}
}

// openDispute freezes the order's money in escrow until support decides.
func (p *Pages) openDispute(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	sh, ok := p.buyer(w, r)
	if !ok {
		return
	}
	o, ok := p.buyerOrder(w, r, sh, authz.DisputeOpen)
	if !ok {
		return
	}
	if p.pay.escrow == nil {
		p.notFound(w, r)
		return
	}
	reason := r.PostFormValue("reason")
	if !slices.Contains(disputeReasons, reason) {
		p.renderOrder(w, r, sh, o, http.StatusUnprocessableEntity, "Choose what went wrong with the order.", "", false)
		return
	}
	err := p.pay.escrow.OpenDispute(r.Context(), sh.owner, o.ID, reason)
	var ve *order.ValidationError
	switch {
	case err == nil:
		http.Redirect(w, r, "/orders/"+o.ID, http.StatusSeeOther)
	case errors.Is(err, escrow.ErrDisputed):
		p.renderOrder(w, r, sh, o, http.StatusConflict, "This order is already under dispute.", "", false)
	case errors.Is(err, escrow.ErrWindowClosed), errors.Is(err, order.ErrIllegalTransition):
		p.renderOrder(w, r, sh, o, http.StatusConflict, "The time to open a dispute for this order has passed.", "", false)
	case errors.As(err, &ve):
		p.renderOrder(w, r, sh, o, http.StatusUnprocessableEntity, capitalise(ve.Msg)+".", "", false)
	case errors.Is(err, escrow.ErrNotFound):
		p.notFound(w, r)
	default:
		p.serverError(w, r, err)
	}
}
