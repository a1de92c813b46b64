package escrow

import (
	"context"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/store"
)

// Funding is a captured payment to place in escrow.
type Funding struct {
	PaymentID string
	BuyerID   string
	Orders    []order.Order // the orders it paid, each now paid, one currency
	At        time.Time
}

// Fund puts a captured payment into escrow inside tx, the transaction
// that marks its orders paid: one ledger entry from the buyer's funding
// account to escrow for the total, and one open hold per order for its
// total. The payment service calls it; nothing else should.
func Fund(ctx context.Context, tx *store.Tx, f Funding) error {
	if len(f.Orders) == 0 {
		return fmt.Errorf("escrow: funding %s pays no order", f.PaymentID)
	}
	cur := f.Orders[0].Total.Currency
	total, err := money.Sum(cur)
	if err != nil {
		return err
	}
	for _, o := range f.Orders {
		if o.BuyerID != f.BuyerID || o.Total.Minor <= 0 {
			return fmt.Errorf("escrow: order %s cannot be funded by %s", o.ID, f.PaymentID)
		}
		if total, err = total.Add(o.Total); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO escrow_holds (order_id, payment_id, buyer_id, merchant_id, currency, paid, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, 'open', ?)`, o.ID, f.PaymentID, o.BuyerID, o.MerchantID, string(cur), o.Total.Minor,
			store.Micros(f.At)); err != nil {
			return err
		}
	}
	e := money.Move("capture", money.BuyerFundingAccount(f.BuyerID, cur), money.EscrowAccount(cur), total)
	e.At = f.At
	e.Ref, e.Memo = f.PaymentID, fmt.Sprintf("payment %s into escrow for %d order(s)", f.PaymentID, len(f.Orders))
	if len(f.Orders) == 1 {
		e.OrderID = f.Orders[0].ID
	}
	_, err = money.Post(ctx, tx, e)
	return err
}
