package web

import (
	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/payment"
)

// payments are the services behind paying, escrow and disputes; nil
// until WithPayments.
type payments struct {
	pay      *payment.Service
	vault    *payment.Vault
	acquirer *payment.Simulator
	escrow   *escrow.Service
}

// WithPayments adds paying for orders (card form, simulated 3-D Secure),
// confirming delivery, disputes and merchant balances.
func (p *Pages) WithPayments(pay *payment.Service, vault *payment.Vault, acquirer *payment.Simulator, esc *escrow.Service) *Pages {
	p.pay = payments{pay: pay, vault: vault, acquirer: acquirer, escrow: esc}
	return p
}

// payRoutes are the payment, escrow and dispute pages.
func (p *Pages) payRoutes() []Route {
	return nil
}
