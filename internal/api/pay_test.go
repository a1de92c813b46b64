package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/authz"
	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
	pt "github.com/citadel-store/citadel/internal/payment/paymenttest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// cardDigits are the digits of the cards these tests send: no answer may
// hold them.
var cardDigits = []string{"4242424242424242", "4000000000000002", "4000000000009995", "4000000000003220", "4242424242424241"}

func payBody(number string, month, year int, cvc string) string {
	b, _ := json.Marshal(map[string]any{"card": map[string]any{"number": number, "exp_month": month, "exp_year": year,
		"cvc": cvc, "name": "Erika Mustermann"}})
	return string(b)
}

func TestParsePay(t *testing.T) {
	const ok = `{"card":{"number":"4242 4242 4242 4242","exp_month":12,"exp_year":2030,"cvc":"123","name":"Erika Mustermann"}`
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"ok", ok + `}`, 0, ""},
		{"ok/with-amount", ok + `,"amount":{"amount":"12.34","currency":"EUR"}}`, 0, ""},
		{"fail/empty", ``, 400, "malformed_json"},
		{"fail/no-card", `{}`, 400, "missing_field"},
		{"fail/no-number", `{"card":{"exp_month":12,"exp_year":2030,"cvc":"123","name":"E M"}}`, 400, "missing_field"},
		{"fail/no-month", `{"card":{"number":"4242424242424242","exp_year":2030,"cvc":"123","name":"E M"}}`, 400, "missing_field"},
		{"fail/no-name", `{"card":{"number":"4242424242424242","exp_month":12,"exp_year":2030,"cvc":"123"}}`, 400, "missing_field"},
		{"fail/number-as-number", `{"card":{"number":4242424242424242,"exp_month":12,"exp_year":2030,"cvc":"123","name":"E M"}}`, 400, "invalid_field"},
		{"fail/month-as-string", `{"card":{"number":"4242424242424242","exp_month":"12","exp_year":2030,"cvc":"123","name":"E M"}}`, 400, "invalid_field"},
		{"fail/long-number", payBody(strings.Repeat("4242 ", 9), 12, 2030, "123"), 422, "invalid_card_number"},
		{"fail/long-cvc", payBody("4242424242424242", 12, 2030, "12345"), 422, "invalid_cvc"},
		{"fail/long-name", `{"card":{"number":"4242424242424242","exp_month":12,"exp_year":2030,"cvc":"123","name":"` + strings.Repeat("é", 201) + `"}}`, 422, "invalid_name"},
		{"fail/unknown-card-field", `{"card":{"number":"4242424242424242","exp_month":12,"exp_year":2030,"cvc":"123","name":"E M","pin":"1"}}`, 400, "malformed_json"},
		{"fail/amount-no-currency", ok + `,"amount":{"amount":"12.34"}}`, 400, "missing_field"},
		{"fail/amount-bad-currency", ok + `,"amount":{"amount":"12.34","currency":"XXX"}}`, 400, "invalid_currency"},
		{"fail/amount-float", ok + `,"amount":{"amount":"12.345","currency":"EUR"}}`, 400, "invalid_amount"},
		{"fail/trailing", ok + `}{}`, 400, "malformed_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, e := parsePay([]byte(tc.body))
			if tc.status == 0 {
				if e != nil || in.card.ExpMonth != 12 || in.cvc != "123" {
					t.Fatalf("refused: %v", e)
				}
				return
			}
			if e == nil || e.status != tc.status || e.code != tc.code {
				t.Fatalf("got %v, want %d %s", e, tc.status, tc.code)
			}
			for _, d := range cardDigits {
				if strings.Contains(e.message, d) || strings.Contains(e.message, "4242 4242") {
					t.Fatalf("the error repeats the card: %q", e.message)
				}
			}
		})
	}
}

// Every payment error has its documented status, and the message is the
// sentinel's own: a cause wrapped around it (here, the card number) never
// reaches the client.
func TestPayErrorMessagesAreTheSentinels(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{payment.ErrInvalidCard, 422, "invalid_card_number"},
		{payment.ErrUnsupportedCard, 422, "card_not_supported"},
		{payment.ErrBadExpiry, 422, "invalid_expiry"},
		{payment.ErrExpiredCard, 422, "card_expired"},
		{payment.ErrBadCVV, 422, "invalid_cvc"},
		{payment.ErrBadHolder, 422, "invalid_name"},
		{payment.ErrAmountMismatch, 409, "amount_mismatch"},
		{payment.ErrCurrencyMismatch, 409, "currency_mismatch"},
		{payment.ErrAlreadyPaid, 409, "already_paid"},
		{payment.ErrNotPayable, 409, "not_payable"},
		{payment.ErrInProgress, 409, "payment_in_progress"},
		{payment.ErrIdempotencyConflict, 422, "idempotency_conflict"},
		{payment.ErrFailed, 502, "payment_failed"},
		{payment.ErrNotFound, 404, "not_found"},
	} {
		wrapped := fmt.Errorf("card 4242424242424242: %w", tc.err)
		e := payError(wrapped, "checkout")
		if e == nil || e.status != tc.status || e.code != tc.code {
			t.Errorf("%v: got %v, want %d %s", tc.err, e, tc.status, tc.code)
			continue
		}
		if strings.Contains(e.message, "4242") {
			t.Errorf("%v: the message repeats the cause: %q", tc.err, e.message)
		}
	}
	if payError(errors.New("disk on fire"), "checkout") != nil {
		t.Error("an unknown error is answered as a client error")
	}
}

// payFixture is the API's payment handlers over the whole money path on
// a fresh SQLite database, called directly with a buyer's Call.
type payFixture struct {
	f *pt.Fixture
	a *API
}

func newPayFixture(t *testing.T) *payFixture {
	t.Helper()
	f := pt.New(t, storetest.Open(t, store.SQLite))
	a := New(nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil))).WithCommerce(nil, nil, nil, f.Orders).WithPayments(f.Pay, f.Escrow)
	a.now = f.Clock.Now
	return &payFixture{f: f, a: a}
}

// call runs the handler of the route pattern for buyer, with path values.
func (pf *payFixture) call(t *testing.T, pattern, buyer, body string, path map[string]string) (int, string) {
	t.Helper()
	var h func(http.ResponseWriter, *http.Request, *Call)
	var act authz.Action
	for _, rt := range pf.a.Table() {
		if rt.Pattern == pattern {
			h, act = rt.handler, rt.Action
		}
	}
	if h == nil {
		t.Fatalf("no route %s", pattern)
	}
	method, target, _ := strings.Cut(pattern, " ")
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range path {
		r.SetPathValue(k, v)
	}
	c := &Call{Actor: authz.Actor{AccountID: buyer, Roles: []authz.Role{authz.Customer}}}
	if !authz.Decide(c.Actor, act, selfObject(c.Actor), pf.f.Clock.Now()).Allowed() {
		t.Fatalf("a customer may not %s", act)
	}
	w := httptest.NewRecorder()
	h(w, r, c)
	out := w.Body.String()
	for _, d := range cardDigits {
		if strings.Contains(out, d) {
			t.Fatalf("%s answered the card number: %s", pattern, out)
		}
	}
	return w.Code, out
}

func TestPayHandlers(t *testing.T) {
	pf := newPayFixture(t)
	buyer, orders := pf.f.Checkout(t, 1, 2)
	other := it.Buyer(t, pf.f.DB)
	chk := map[string]string{"id": orders[0].CheckoutID}
	const pay = "POST /api/v1/checkouts/{id}/pay"

	// A decline asked the acquirer (its authorisation is on record there)
	// and moved no money; nothing after it moves anything at all.
	before := pf.f.Snap(t)
	if status, body := pf.call(t, pay, buyer, payBody(payment.CardDecline, 12, 2030, "123"), chk); status != 402 ||
		!strings.Contains(body, `"decline_code":"card_declined"`) || !strings.Contains(body, `"payment_id":"pay_`) {
		t.Fatalf("declined: %d %s", status, body)
	}
	if after := pf.f.Snap(t); !maps.Equal(after.Balances, before.Balances) || !maps.Equal(after.Orders, before.Orders) ||
		after.Rows["ledger_entries"] != 0 || after.Rows["sim_approved"] != 0 {
		t.Fatalf("a decline moved money: %+v", after)
	}
	for _, tc := range []struct {
		name, buyer, body string
		status            int
		code              string
	}{
		{"fail/insufficient", buyer, payBody(payment.CardInsufficient, 12, 2030, "123"), 402, "card_declined"},
		{"fail/luhn", buyer, payBody("4242424242424241", 12, 2030, "123"), 422, "invalid_card_number"},
		{"fail/expired", buyer, payBody(payment.CardApprove, 2, 2026, "123"), 422, "card_expired"},
		{"fail/bad-cvc", buyer, payBody(payment.CardApprove, 12, 2030, "12a"), 422, "invalid_cvc"},
		{"fail/other-buyer-checkout", other, payBody(payment.CardApprove, 12, 2030, "123"), 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := pf.f.Snap(t)
			status, body := pf.call(t, pay, tc.buyer, tc.body, chk)
			if status != tc.status || !strings.Contains(body, `"code":"`+tc.code+`"`) {
				t.Fatalf("%d %s, want %d %s", status, body, tc.status, tc.code)
			}
			if tc.status != 402 {
				pf.f.Unchanged(t, tc.name, before)
			}
		})
	}

	status, body := pf.call(t, pay, buyer, payBody(payment.CardApprove, 12, 2030, "123"), chk)
	var p paymentJSON
	json.Unmarshal([]byte(body), &p)
	if status != 201 || p.Status != "captured" || p.Last4 != "4242" || p.Brand != "visa" || len(p.OrderIDs) != 2 ||
		p.Amount.Minor != pt.Total(orders).Minor {
		t.Fatalf("pay: %d %s", status, body)
	}
	if status, body := pf.call(t, pay, buyer, payBody(payment.CardApprove, 12, 2030, "123"), chk); status != 409 || !strings.Contains(body, "already_paid") {
		t.Fatalf("pay again: %d %s", status, body)
	}
	if status, body := pf.call(t, "GET /api/v1/payments/{id}", buyer, "", map[string]string{"id": p.ID}); status != 200 || !strings.Contains(body, p.ID) {
		t.Fatalf("get: %d %s", status, body)
	}
	if status, _ := pf.call(t, "GET /api/v1/payments/{id}", other, "", map[string]string{"id": p.ID}); status != 404 {
		t.Fatalf("another buyer reads the payment: %d", status)
	}

	// Escrow: confirm one order after delivery, dispute the other.
	o1, o2 := map[string]string{"id": orders[0].ID}, map[string]string{"id": orders[1].ID}
	if status, body := pf.call(t, "POST /api/v1/orders/{id}/confirm-delivery", buyer, "", o1); status != 409 || !strings.Contains(body, "not_delivered") {
		t.Fatalf("confirm before delivery: %d %s", status, body)
	}
	pf.f.Deliver(t, orders[0])
	if status, body := pf.call(t, "POST /api/v1/orders/{id}/confirm-delivery", other, "", o1); status != 404 {
		t.Fatalf("another buyer confirms: %d %s", status, body)
	}
	if status, body := pf.call(t, "POST /api/v1/orders/{id}/confirm-delivery", buyer, "{}", o1); status != 200 || !strings.Contains(body, `"status":"completed"`) {
		t.Fatalf("confirm: %d %s", status, body)
	}
	if status, body := pf.call(t, "POST /api/v1/orders/{id}/disputes", buyer, `{"reason":" "}`, o2); status != 422 || !strings.Contains(body, `"field":"reason"`) {
		t.Fatalf("blank reason: %d %s", status, body)
	}
	if status, body := pf.call(t, "POST /api/v1/orders/{id}/disputes", buyer, `{"reason":"never came"}`, o2); status != 201 || !strings.Contains(body, `"status":"disputed"`) {
		t.Fatalf("dispute: %d %s", status, body)
	}
	if status, body := pf.call(t, "POST /api/v1/orders/{id}/confirm-delivery", buyer, "", o2); status != 409 || !strings.Contains(body, `"code":"disputed"`) {
		t.Fatalf("confirm a disputed order: %d %s", status, body)
	}
	if pf.f.Status(t, orders[0].ID) != order.Completed || pf.f.Status(t, orders[1].ID) != order.Disputed {
		t.Fatal("statuses")
	}
	pf.f.Check(t)

	// The confirmed order's merchant has nothing pending; the disputed
	// order's merchant nothing available.
	for i, want := range []string{`"pending":{"amount":"0.00"`, `"available":{"amount":"0.00"`} {
		w := httptest.NewRecorder()
		pf.a.merchantBalances(w, httptest.NewRequest("GET", "/api/v1/merchant/balances", nil),
			&Call{Actor: authz.Actor{AccountID: "acc_owner", Roles: []authz.Role{authz.MerchantOwner}, MerchantID: orders[i].MerchantID}})
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("merchant %d balances: %d %s", i, w.Code, w.Body.String())
		}
	}
	w := httptest.NewRecorder()
	pf.a.merchantBalances(w, httptest.NewRequest("GET", "/api/v1/merchant/balances", nil),
		&Call{Actor: authz.Actor{AccountID: "acc_auditor", Roles: []authz.Role{authz.Auditor}}})
	if w.Code != 403 || !strings.Contains(w.Body.String(), "not_a_merchant") {
		t.Errorf("an auditor's balances: %d %s", w.Code, w.Body.String())
	}
}
