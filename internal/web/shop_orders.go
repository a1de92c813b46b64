package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/order"
)

// ordersPerPage is the length of a page of order history.
const ordersPerPage = 20

// statusLabels say where an order is, for its buyer.
var statusLabels = map[order.Status]string{
	order.PendingPayment: "Waiting for payment",
	order.Paid:           "Paid",
	order.Accepted:       "Accepted by the seller",
	order.Shipped:        "Shipped",
	order.Delivered:      "Delivered",
	order.Completed:      "Completed",
	order.Cancelled:      "Cancelled",
	order.Disputed:       "In dispute",
	order.Refunded:       "Refunded",
}

func statusLabel(s order.Status) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// ordersData is the order history's (and the empty checkout's).
type ordersData struct {
	chrome
	Orders  []orderRow
	NextURL string // the next page, "" on the last
	Later   bool   // not the first page
}

// orderRow is an order with its merchant's name.
type orderRow struct {
	order.Order
	MerchantName string
}

// StatusLabel is the order's status in words.
func (o orderRow) StatusLabel() string { return statusLabel(o.Status) }

// merchantNames fills in the merchants' names, reading each once.
func (p *Pages) merchantNames(r *http.Request, rows []orderRow) error {
	names := map[string]string{}
	for i := range rows {
		id := rows[i].MerchantID
		if _, ok := names[id]; !ok {
			m, err := p.catalog.Merchant(r.Context(), id)
			if err != nil && !errors.Is(err, catalog.ErrNotFound) {
				return err
			}
			names[id] = m.Name
		}
		rows[i].MerchantName = names[id]
	}
	return nil
}

func (p *Pages) ordersPage(w http.ResponseWriter, r *http.Request) {
	sh, ok := p.buyer(w, r)
	if !ok {
		return
	}
	after := r.URL.Query().Get("after")
	l, err := p.orders.BuyerOrders(r.Context(), sh.owner, order.Page{Limit: ordersPerPage, Cursor: after})
	var ve *order.ValidationError
	if errors.As(err, &ve) {
		p.errorPage(w, r, http.StatusBadRequest, "No such page", "This page link is not valid. Start again from your orders.")
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	d := &ordersData{Later: after != ""}
	for _, o := range l.Orders {
		d.Orders = append(d.Orders, orderRow{Order: o})
	}
	if err := p.merchantNames(r, d.Orders); err != nil {
		p.serverError(w, r, err)
		return
	}
	if l.Next != "" {
		d.NextURL = "/orders?after=" + url.QueryEscape(l.Next)
	}
	pg, c := p.shopPage(w, r, sh, "Your orders")
	d.chrome = c
	pg.Data = d
	p.render(w, http.StatusOK, "shop_orders.html", pg)
}

// buyer is the signed-in shopper of an order page; on failure it has
// answered.
func (p *Pages) buyer(w http.ResponseWriter, r *http.Request) (shopper, bool) {
	sh, err := p.shopper(w, r)
	if err != nil {
		p.serverError(w, r, err)
		return shopper{}, false
	}
	if sh.session == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return shopper{}, false
	}
	return sh, true
}

// buyerOrder loads the order in the path for its buyer and decides act on
// it. Another buyer's order, a malformed ID and a refusal all answer 404,
// alike, so nothing tells them apart.
func (p *Pages) buyerOrder(w http.ResponseWriter, r *http.Request, sh shopper, act authz.Action) (order.Order, bool) {
	id := r.PathValue("id")
	if !ids.Valid("ord", id) {
		p.notFound(w, r)
		return order.Order{}, false
	}
	o, err := p.orders.BuyerOrder(r.Context(), sh.owner, id)
	if errors.Is(err, order.ErrNotFound) {
		p.notFound(w, r)
		return order.Order{}, false
	}
	if err != nil {
		p.serverError(w, r, err)
		return order.Order{}, false
	}
	obj := authz.Object{Kind: "order", ID: o.ID, OwnerID: o.BuyerID, OrgID: o.OrgID, MerchantID: o.MerchantID}
	if d := authz.Decide(sh.actor, act, obj, time.Now()); !d.Allowed() {
		p.log.Warn("authz denied", "reason", d.Reason(), "request_id", reqID(r))
		p.notFound(w, r)
		return order.Order{}, false
	}
	return o, true
}
