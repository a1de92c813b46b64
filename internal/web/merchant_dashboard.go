package web

import (
	"net/http"
	"strconv"

	"github.com/citadel-store/citadel/internal/order"
)

// boCount is a number on the dashboard with where it leads.
type boCount struct {
	Label, Count, Link string
}

// boDashboardStatuses are the order statuses that wait on the merchant (or
// tell them something is wrong), in the order the dashboard shows them.
var boDashboardStatuses = []struct {
	status order.Status
	label  string
}{
	{order.Paid, "Paid, waiting for you to accept"},
	{order.Accepted, "Accepted, waiting to ship"},
	{order.Disputed, "Disputed"},
	{order.PendingPayment, "Waiting for the buyer's payment"},
}

// boDashboardCap bounds how many orders of one status are counted.
const boDashboardCap = 100

func (p *Pages) boDashboard(w http.ResponseWriter, r *http.Request, mc boCtx) {
	ctx := r.Context()
	m, err := p.catalog.Merchant(ctx, mc.merchantID)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	var counts []boCount
	res, err := p.catalog.ListMerchant(ctx, mc.merchantID, 1, 1)
	switch {
	case err == nil:
		n := strconv.Itoa(res.Total)
		if res.TotalCapped {
			n += "+"
		}
		counts = append(counts, boCount{"Products on sale", n, "/merchant/products"})
	case !boNotFound(err): // a suspended storefront lists nothing
		p.serverError(w, r, err)
		return
	}
	for _, ds := range boDashboardStatuses {
		l, err := p.orders.MerchantOrders(ctx, mc.merchantID, ds.status, order.Page{Limit: boDashboardCap})
		if err != nil {
			p.serverError(w, r, err)
			return
		}
		n := strconv.Itoa(len(l.Orders))
		if l.Next != "" {
			n += "+"
		}
		counts = append(counts, boCount{ds.label, n, "/merchant/orders?status=" + string(ds.status)})
	}
	pg := p.newPage(w, r, "Back office")
	pg.Data = map[string]any{"Merchant": m, "Counts": counts}
	p.render(w, http.StatusOK, "merchant_dashboard.html", pg)
}
