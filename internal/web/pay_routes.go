package web

import (
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/payment"
)

// payments are the services behind paying, escrow and disputes; nil
// until WithPayments.
type payments struct {
	pay      *payment.Service
	acquirer *payment.Simulator
	escrow   *escrow.Service
}

// WithPayments adds paying for orders (card form, simulated 3-D Secure),
// confirming delivery, disputes and merchant balances.
func (p *Pages) WithPayments(pay *payment.Service, acquirer *payment.Simulator, esc *escrow.Service) *Pages {
	p.pay = payments{pay: pay, acquirer: acquirer, escrow: esc}
	return p
}

// payRoutes are the payment, escrow and dispute pages.
//
// Paying is part of checking out, so the buyer's payment pages need
// OrderCreate, and the handlers load the checkout, payment or order with
// the buyer in the query: another buyer's is a 404 like one that does
// not exist. Confirming delivery completes the purchase the buyer made,
// and also needs OrderCreate (no action of its own exists). Support
// reads a dispute with DisputeRead and decides it with DisputeResolve,
// whose step-up authorize enforces. A merchant's balances are under
// /payouts: every /merchant/ page is open to merchant staff, and
// PayoutRead is the owner's alone.
func (p *Pages) payRoutes() []Route {
	return []Route{
		{Pattern: "GET /checkout/{id}/pay", Action: authz.OrderCreate, handler: p.payForm},
		{Pattern: "POST /checkout/{id}/pay", Action: authz.OrderCreate, handler: p.paySubmit},
		{Pattern: "GET /payments/{id}", Action: authz.OrderCreate, handler: p.paymentPage},
		{Pattern: "POST /payments/{id}/check", Action: authz.OrderCreate, handler: p.paymentCheck},
		{Pattern: "GET /pay/challenge/{id}", Action: authz.OrderCreate, handler: p.challengePage},
		{Pattern: "POST /pay/challenge/{id}", Action: authz.OrderCreate, handler: p.challengeSubmit},

		{Pattern: "POST /orders/{id}/confirm-delivery", Action: authz.OrderCreate, handler: p.confirmDelivery},
		{Pattern: "POST /orders/{id}/dispute", Action: authz.DisputeOpen, handler: p.openDispute},

		{Pattern: "GET /support/disputes/{id}", Action: authz.DisputeRead, handler: p.disputePage},
		{Pattern: "POST /support/disputes/{id}", Action: authz.DisputeResolve, handler: p.disputeResolve},

		{Pattern: "GET /payouts", Action: authz.PayoutRead, handler: p.boGate(authz.PayoutRead, p.balancesPage)},
	}
}
