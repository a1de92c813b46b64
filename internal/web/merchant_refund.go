package web

import (
	"context"

	"github.com/citadel-store/citadel/internal/order"
)

// boCancelOrRefund cancels an order. An order whose money escrow holds is
// refunded in full instead (it becomes "refunded", and the ledger moves
// the money back to the card): a cancelled order must hold nothing, which
// `citadel ledger check` verifies.
func (p *Pages) boCancelOrRefund(ctx context.Context, id string, a order.Actor, reason string) (order.Order, error) {
	if p.pay.escrow != nil {
		if h, err := p.pay.escrow.HoldOf(ctx, id); err == nil && h.Open {
			if _, err := p.pay.escrow.RefundOrder(ctx, a, id, reason); err != nil {
				return order.Order{}, err
			}
			return p.orders.MerchantOrder(ctx, a.MerchantID, id)
		}
	}
	return p.orders.Cancel(ctx, id, a, reason)
}
