package escrow

import (
	"context"

	"github.com/citadel-store/citadel/internal/order"
)

// CancelOrder is how a merchant or support cancels an order. An order
// whose money escrow holds is refunded in full instead (it becomes
// refunded and the money goes back to the card): a cancelled order must
// hold nothing, which money.Check verifies. Anything else is an ordinary
// cancellation, with the order package's rules and tenancy.
func (s *Service) CancelOrder(ctx context.Context, a order.Actor, orderID, reason string) error {
	if h, err := s.HoldOf(ctx, orderID); err == nil && h.Open {
		_, err := s.RefundOrder(ctx, a, orderID, reason)
		return err
	}
	_, err := s.orders.Cancel(ctx, orderID, a, reason)
	return err
}
