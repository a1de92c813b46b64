package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// WithReceipts lets buyers download the signed receipt of a paid
// checkout; find returns it only for its own buyer.
func (p *Pages) WithReceipts(find func(ctx context.Context, buyerID, checkoutID string) ([]byte, error)) *Pages {
	p.receipt = find
	return p
}

// orderReceipt serves the signed receipt of the order's checkout as a
// download: a self-contained evidence file that `citadel verify receipt`
// checks offline. Another buyer's order is a 404, like a missing one.
func (p *Pages) orderReceipt(w http.ResponseWriter, r *http.Request) {
	s := p.session(r)
	id := r.PathValue("id")
	if s == nil || p.receipt == nil || p.orders == nil || !ids.Valid("ord", id) {
		p.notFound(w, r)
		return
	}
	o, err := p.orders.BuyerOrder(r.Context(), s.Account.ID, id)
	if err != nil {
		p.notFound(w, r)
		return
	}
	rec, err := p.receipt(r.Context(), s.Account.ID, o.CheckoutID)
	if errors.Is(err, store.ErrNotFound) {
		p.render(w, http.StatusNotFound, "error.html", &page{Title: "No receipt yet", Error: "A receipt is issued once the order is paid."})
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="citadel-receipt-`+o.CheckoutID+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(rec)
}
