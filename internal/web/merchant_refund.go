package web

import (
	"context"

	"github.com/citadel-store/citadel/internal/order"
)

// boCancelOrRefund cancels an order through escrow when payments are on
// (an order whose money escrow holds is refunded instead), else through
// the order package.
func (p *Pages) boCancelOrRefund(ctx context.Context, id string, a order.Actor, reason string) (order.Order, error) {
	if p.pay.escrow == nil {
		return p.orders.Cancel(ctx, id, a, reason)
	}
	if err := p.pay.escrow.CancelOrder(ctx, a, id, reason); err != nil {
		return order.Order{}, err
	}
	return p.orders.MerchantOrder(ctx, a.MerchantID, id)
}
