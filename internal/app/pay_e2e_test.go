package app_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// Paying over HTTPS: the card form, 3-D Secure, a lost processor answer,
// escrow from payment to release, disputes decided by support, and the
// card scan. The API's side is TestPayAPIJourney.

var (
	payCheckoutRe = regexp.MustCompile(`href="/checkout/(chk_[a-z2-7]{26})/pay"`)
	payNonceRe    = regexp.MustCompile(`name="n" value="([a-z2-7]{26})"`)
	payAmountRe   = regexp.MustCompile(`name="amount" value="([0-9.]+)"`)
	payCurrencyRe = regexp.MustCompile(`name="currency" value="([A-Z]{3})"`)
	payIDRe       = regexp.MustCompile(`^/(?:payments|pay/challenge)/(pay_[a-z2-7]{26})$`)
)

// testCards are every card number these tests type: none may be found
// in clear anywhere after.
var testCards = []string{payment.CardApprove, payment.CardDecline, payment.CardInsufficient, payment.CardChallenge,
	payment.CardNetworkError, "4242 4242 4242 4241"}

// bodyLog keeps every response body its clients received.
type bodyLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

type teeTransport struct {
	rt  http.RoundTripper
	log *bodyLog
}

// RoundTrip records the response. A 429 was refused before anything
// ran (checkout and payment pages allow a request a second or two per
// address), so it waits as told and sends the request again.
func (tt teeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tt.rt.RoundTrip(req)
	for try := 0; err == nil && resp.StatusCode == http.StatusTooManyRequests && try < 60; try++ {
		resp.Body.Close()
		wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		time.Sleep(time.Duration(max(wait, 1)) * time.Second)
		again := req.Clone(req.Context())
		if req.GetBody != nil {
			if again.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		resp, err = tt.rt.RoundTrip(again)
	}
	if err != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	tt.log.mu.Lock()
	tt.log.buf.Write(b)
	tt.log.buf.WriteByte('\n')
	tt.log.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, err
}

// record makes c's responses part of the log.
func (l *bodyLog) record(c *http.Client) { c.Transport = teeTransport{rt: c.Transport, log: l} }

func (l *bodyLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// cardForms are the ways a card number may be written: plain, in groups
// of four by spaces or hyphens, and as the test constant has it.
func cardForms(card string) []string {
	d := strings.NewReplacer(" ", "", "-", "").Replace(card)
	var sp, hy []string
	for i := 0; i < len(d); i += 4 {
		sp, hy = append(sp, d[i:min(i+4, len(d))]), append(hy, d[i:min(i+4, len(d))])
	}
	return []string{d, strings.Join(sp, " "), strings.Join(hy, "-"), card}
}

// cardScan fails if any test card is in clear in the database files (or
// rows), the server's logs or a response any recorded client received.
// The logs and bodies are also searched with every space and hyphen
// taken out, so no grouping hides a number.
func cardScan(t *testing.T, s *apptest.Server, bodies *bodyLog) {
	t.Helper()
	var needles []string
	for _, c := range testCards {
		needles = append(needles, cardForms(c)...)
	}
	noClearText(t, s, needles...)
	squash := strings.NewReplacer(" ", "", "-", "", "\u00a0", "")
	for name, hay := range map[string]string{"stdout": s.Stdout.String(), "log": s.Stderr.String(), "responses": bodies.String()} {
		if hay == "" && name != "stdout" {
			t.Fatalf("card scan: nothing in %s to scan", name)
		}
		for _, n := range needles {
			if strings.Contains(hay, n) || strings.Contains(squash.Replace(hay), squash.Replace(n)) {
				t.Errorf("card scan: %q is in clear in the %s", n, name)
			}
		}
	}
	// The scan looks where the card would be: the last four, which pages
	// may show, are there.
	if !regexp.MustCompile(`ending [0-9]{4}|"last4":"[0-9]{4}"`).MatchString(bodies.String()) {
		t.Fatal("card scan: the responses never show the card's last four: is the recording broken?")
	}
}

// payBuyer is the signed-in demo shopper buying Northfield's skillet.
type payBuyer struct {
	*office
	sh      *domainServices
	skillet catalog.Product
}

func newPayBuyer(t *testing.T, s *apptest.Server, bodies *bodyLog) *payBuyer {
	t.Helper()
	c := newBrowser(t, s)
	pw := demoRe.FindStringSubmatch(s.Stdout.String())[1]
	if r, _ := form(t, s, c, "/signin", "/signin", url.Values{"email": {"shopper@demo.citadel.test"}, "password": {pw}}); r.Header.Get("Location") != "/account" {
		t.Fatalf("shopper sign-in: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	bodies.record(c)
	sh := openDomain(t, s)
	return &payBuyer{office: withCSRF(t, s, c), sh: sh, skillet: sh.product(t, "northfield", "skillet")}
}

// checkout places an order of one skillet and returns it with its
// checkout, from the "Pay now" link on the order page.
func (b *payBuyer) checkout() (orderID, checkoutID string) {
	t := b.t
	t.Helper()
	expectStatus(t, "add to cart", http.StatusSeeOther)(b.post("/cart/add", url.Values{"product": {b.skillet.ID},
		"variant": {b.skillet.Variants[0].ID}, "quantity": {"1"}}))
	resp, body := b.post("/checkout", url.Values{"name": {"Ada Quayside"}, "line1": {"1 Harbour Street"}, "city": {"Hamburg"},
		"postcode": {"20095"}, "country": {"DE"}, "method": {"standard"}, "action": {"place"}})
	wantStatus(t, "checkout", resp, body, http.StatusSeeOther, "/orders/ord_")
	orderID = boOrderIDRe.FindString(resp.Header.Get("Location"))
	body = expectStatus(t, "order page", 200)(b.get("/orders/" + orderID))
	m := payCheckoutRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "Pay now") {
		t.Fatalf("no Pay now on the order page: %s", alertExcerpt(body))
	}
	return orderID, m[1]
}

// payForm opens the card form and returns its hidden fields.
func (b *payBuyer) payForm(checkoutID string) url.Values {
	t := b.t
	t.Helper()
	body := expectStatus(t, "pay page", 200)(b.get("/checkout/" + checkoutID + "/pay"))
	n, a, c := payNonceRe.FindStringSubmatch(body), payAmountRe.FindStringSubmatch(body), payCurrencyRe.FindStringSubmatch(body)
	if n == nil || a == nil || c == nil || !strings.Contains(body, `autocomplete="cc-number"`) {
		t.Fatalf("pay page without its form: %s", body)
	}
	return url.Values{"n": {n[1]}, "amount": {a[1]}, "currency": {c[1]}}
}

// pay posts the card form with a card.
func (b *payBuyer) pay(checkoutID string, hidden url.Values, card, exp string) (*http.Response, string) {
	b.t.Helper()
	v := url.Values{"number": {card}, "exp": {exp}, "cvc": {"123"}, "name": {"Ada Quayside"}}
	for k, vs := range hidden {
		v[k] = vs
	}
	return b.post("/checkout/"+checkoutID+"/pay", v)
}

// moneyState is everything a refused payment must leave as it was.
func moneyState(t *testing.T, s *apptest.Server, orderID string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{`SELECT count(*) FROM ledger_entries`, `SELECT count(*) FROM escrow_holds`,
		`SELECT count(*) FROM payments WHERE status = 'captured'`, `SELECT COALESCE(SUM(captured), 0) FROM sim_acquirer_auths`,
		`SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts WHERE kind = 'escrow'`} {
		var n int64
		if err := s.DB().QueryRow(t.Context(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d ", n)
	}
	return b.String() + orderStatus(t, s, orderID)
}

func orderStatus(t *testing.T, s *apptest.Server, orderID string) string {
	t.Helper()
	var st string
	if err := s.DB().QueryRow(t.Context(), `SELECT status FROM orders WHERE id = ?`, orderID).Scan(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func ledgerCheck(t *testing.T, s *apptest.Server) {
	t.Helper()
	if err := money.Check(t.Context(), s.DB()); err != nil {
		t.Fatalf("ledger check: %v", err)
	}
	if s.DB().Engine() == store.SQLite {
		if code, out, stderr := run(nil, "ledger", "check", "--data", s.Config.Data); code != 0 {
			t.Fatalf("citadel ledger check: %d %s %s", code, out, stderr)
		}
	}
}

// deliver takes a paid order through the back office (accept, ship) and
// the carrier's delivery scan (the system).
func deliver(t *testing.T, s *apptest.Server, merchant *office, sh *domainServices, orderID string) {
	t.Helper()
	page := "/merchant/orders/" + orderID
	expectStatus(t, "accept", http.StatusSeeOther, page)(merchant.post(page+"/accept", nil))
	expectStatus(t, "ship", http.StatusSeeOther, page)(merchant.post(page+"/ship", url.Values{"carrier": {"DHL"}, "tracking": {"JJD000390007"}}))
	if _, err := sh.orders.Transition(t.Context(), orderID, order.System, order.Change{To: order.Delivered}); err != nil {
		t.Fatalf("deliver: %v", err)
	}
}

// payAndDeliver pays a new order with the approving card and delivers it.
func payAndDeliver(t *testing.T, s *apptest.Server, b *payBuyer, merchant *office) string {
	t.Helper()
	orderID, chk := b.checkout()
	resp, body := b.pay(chk, b.payForm(chk), payment.CardApprove, "12/30")
	wantStatus(t, "pay", resp, body, http.StatusSeeOther, "/orders/"+orderID)
	deliver(t, s, merchant, b.sh, orderID)
	return orderID
}

// minor formats minor units of EUR as the pages do.
func eur(minor int64) string { return money.New(minor, "EUR").String() }

// The main web purchase on both engines: a declined card, a bad number
// and an expired card change nothing; the approving card pays once
// however often the form is sent; the money sits in escrow until the
// buyer confirms delivery, then goes to the merchant less the fee; the
// ledger checks out and no card number is anywhere in clear.
func TestPayWebPurchase(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			cfg := apptest.Config(t, e)
			cfg.Demo = true
			s := apptest.Start(t, cfg)
			bodies := &bodyLog{}
			b := newPayBuyer(t, s, bodies)
			merchant := signInOffice(t, s, demoMerchantEmail, demoMerchantPWRe.FindStringSubmatch(s.Stdout.String())[1])
			bodies.record(merchant.c)
			payWebPurchase(t, s, b, merchant, bodies)
			cardScan(t, s, bodies)
		})
	}
}

func payWebPurchase(t *testing.T, s *apptest.Server, b *payBuyer, merchant *office, bodies *bodyLog) {
	orderID, chk := b.checkout()
	var total int64
	s.DB().QueryRow(t.Context(), `SELECT total FROM orders WHERE id = ?`, orderID).Scan(&total)
	body := expectStatus(t, "pay page", 200)(b.get("/checkout/" + chk + "/pay"))
	for _, want := range []string{"Pay " + eur(total), "Northfield", `autocomplete="cc-exp"`, `autocomplete="cc-csc"`, `autocomplete="cc-name"`, `maxlength="23"`} {
		if !strings.Contains(body, want) {
			t.Errorf("pay page lacks %q", want)
		}
	}
	refused := []struct {
		name, card, exp string
		status          int
		message         string
	}{
		{"fail/declined", payment.CardDecline, "12/30", http.StatusPaymentRequired, "declined by its bank"},
		{"fail/insufficient-funds", payment.CardInsufficient, "12/30", http.StatusPaymentRequired, "not enough funds"},
		{"fail/luhn", "4242 4242 4242 4241", "12/30", http.StatusUnprocessableEntity, "The card number is not valid."},
		{"fail/expired", payment.CardApprove, "01/24", http.StatusUnprocessableEntity, "The card has expired."},
		{"fail/bad-expiry", payment.CardApprove, "13/30", http.StatusUnprocessableEntity, "expiry"},
		{"fail/bad-cvc-length", payment.CardApprove, "12/30", http.StatusUnprocessableEntity, "security code"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			before := moneyState(t, s, orderID)
			hidden := b.payForm(chk)
			var resp *http.Response
			if tc.name == "fail/bad-cvc-length" {
				v := url.Values{"number": {tc.card}, "exp": {tc.exp}, "cvc": {"12345"}, "name": {"Ada Quayside"}}
				for k, vs := range hidden {
					v[k] = vs
				}
				resp, body = b.post("/checkout/"+chk+"/pay", v)
			} else {
				resp, body = b.pay(chk, hidden, tc.card, tc.exp)
			}
			wantStatus(t, tc.name, resp, body, tc.status)
			if !strings.Contains(body, tc.message) || !strings.Contains(body, `autocomplete="cc-number"`) {
				t.Fatalf("%s: form not shown again with %q: %s", tc.name, tc.message, alertExcerpt(body))
			}
			if strings.Contains(body, `name="n" value="`+hidden.Get("n")) {
				t.Errorf("%s: the form is shown again with the spent nonce", tc.name)
			}
			for _, f := range cardForms(tc.card) {
				if strings.Contains(body, f) {
					t.Errorf("%s: the card number is echoed", tc.name)
				}
			}
			if strings.Contains(body, `value="`+tc.exp+`"`) || strings.Contains(body, `value="123"`) {
				t.Errorf("%s: expiry or security code echoed", tc.name)
			}
			if after := moneyState(t, s, orderID); after != before {
				t.Fatalf("%s moved something: %s -> %s", tc.name, before, after)
			}
		})
	}
	if body := expectStatus(t, "declined again", http.StatusPaymentRequired)(b.pay(chk, b.payForm(chk), payment.CardDecline, "12/30")); !strings.Contains(body, "Visa ending 0002") {
		t.Errorf("a declined card is not named by brand and last four: %s", alertExcerpt(body))
	}

	t.Run("fail/other-buyer-checkout", func(t *testing.T) {
		other := newBrowser(t, s)
		bodies.record(other)
		signUp(t, s, other, "pay.other@example.com", "quiet harbour lantern 58")
		shopSignIn(t, s, other, "pay.other@example.com", "quiet harbour lantern 58")
		o := withCSRF(t, s, other)
		before := moneyState(t, s, orderID)
		get := func() (*http.Response, string) { return o.get("/checkout/" + chk + "/pay") }
		post := func() (*http.Response, string) {
			return o.post("/checkout/"+chk+"/pay", url.Values{"number": {payment.CardApprove}, "exp": {"12/30"}, "cvc": {"123"},
				"name": {"Mallory"}, "n": {strings.Repeat("a", 32)}, "amount": {money.New(total, "EUR").Decimal()}, "currency": {"EUR"}})
		}
		for name, call := range map[string]func() (*http.Response, string){"GET": get, "POST": post} {
			resp, body := call()
			if resp.StatusCode != 404 || strings.Contains(body, chk) || strings.Contains(body, eur(total)) || strings.Contains(body, orderID) {
				t.Fatalf("%s as another buyer: %d", name, resp.StatusCode)
			}
		}
		if after := moneyState(t, s, orderID); after != before {
			t.Fatalf("another buyer moved something: %s -> %s", before, after)
		}
	})

	// The approving card; the same form sent again is the same payment.
	hidden := b.payForm(chk)
	resp, body := b.pay(chk, hidden, payment.CardApprove, "12/30")
	wantStatus(t, "pay", resp, body, http.StatusSeeOther, "/orders/"+orderID)
	paid := moneyState(t, s, orderID)
	resp, body = b.pay(chk, hidden, payment.CardApprove, "12/30")
	wantStatus(t, "replayed pay", resp, body, http.StatusSeeOther, "/orders/"+orderID)
	if again := moneyState(t, s, orderID); again != paid {
		t.Fatalf("the replayed form moved money: %s -> %s", paid, again)
	}
	var captured int
	s.DB().QueryRow(t.Context(), `SELECT count(*) FROM payments WHERE checkout_id = ? AND status = 'captured'`, chk).Scan(&captured)
	if captured != 1 {
		t.Fatalf("%d captured payments for one checkout", captured)
	}
	body = expectStatus(t, "paid order", 200)(b.get("/orders/" + orderID))
	if !strings.Contains(body, "Paid — held in escrow until you confirm delivery") || strings.Contains(body, "Pay now") {
		t.Fatalf("paid order page: %s", body)
	}
	expectStatus(t, "pay page of a paid checkout", http.StatusSeeOther, "/orders/"+orderID)(b.get("/checkout/" + chk + "/pay"))
	expectStatus(t, "fail/confirm-before-delivery", http.StatusConflict)(b.post("/orders/"+orderID+"/confirm-delivery", nil))
	ledgerCheck(t, s)

	// Escrow: the merchant sees the money pending; delivery, then the
	// buyer's confirmation releases it, less the 5 % fee.
	body = expectStatus(t, "balances", 200)(merchant.get("/payouts"))
	if !strings.Contains(body, "<td>EUR</td><td>"+eur(total)+"</td><td>0.00 EUR</td>") {
		t.Errorf("balances before release: %s", body)
	}
	deliver(t, s, merchant, b.sh, orderID)
	if body := expectStatus(t, "delivered order", 200)(b.get("/orders/" + orderID)); !strings.Contains(body, "Confirm delivery") {
		t.Fatalf("no Confirm delivery on the delivered order: %s", alertExcerpt(body))
	}
	expectStatus(t, "fail/confirm-no-csrf", http.StatusForbidden)(do(t, b.c, "POST", s.URL+"/orders/"+orderID+"/confirm-delivery", url.Values{}))
	expectStatus(t, "confirm delivery", http.StatusSeeOther, "/orders/"+orderID)(b.post("/orders/"+orderID+"/confirm-delivery", nil))
	if st := orderStatus(t, s, orderID); st != "completed" {
		t.Fatalf("after confirming: %s", st)
	}
	var held, released, fee int64
	s.DB().QueryRow(t.Context(), `SELECT paid - refunded - released, released, fee FROM escrow_holds WHERE order_id = ?`, orderID).Scan(&held, &released, &fee)
	if held != 0 || released != total || fee != (total*500+5000)/10000 {
		t.Fatalf("escrow after release of %d: held %d, released %d, fee %d", total, held, released, fee)
	}
	body = expectStatus(t, "balances", 200)(merchant.get("/payouts"))
	if !strings.Contains(body, "<td>EUR</td><td>0.00 EUR</td><td>"+eur(total-fee)+"</td>") || !strings.Contains(body, "release") {
		t.Errorf("balances after release (%s less the fee): %s", eur(total), body)
	}
	expectStatus(t, "fail/confirm-twice", http.StatusConflict)(b.post("/orders/"+orderID+"/confirm-delivery", nil))
	expectStatus(t, "fail/dispute-after-release", http.StatusConflict)(b.post("/orders/"+orderID+"/dispute", url.Values{"reason": {"Damaged"}}))
	ledgerCheck(t, s)
}

// newStaff makes an account with a platform role through the CLI, sets
// its password through the enrolment link and signs it in with an
// emailed code (staff always need a second factor).
func newStaff(t *testing.T, s *apptest.Server, email, role string) *office {
	t.Helper()
	const pw = "harbour lantern quiet 93"
	code, out, stderr := run(nil, "user", "create", "--data", s.Config.Data, "--email", email, "--role", role)
	if code != 0 {
		t.Fatalf("user create: %s", stderr)
	}
	u, _ := url.Parse(strings.TrimSpace(out[strings.Index(out, "https://"):]))
	if resp, _ := form(t, s, newBrowser(t, s), u.RequestURI(), "/enrol", url.Values{"token": {u.Query().Get("token")}, "password": {pw}}); resp.StatusCode != 200 {
		t.Fatalf("enrol: %d", resp.StatusCode)
	}
	return signInOffice(t, s, email, pw)
}

// 3-D Secure approved and rejected on the simulated issuer's page, a
// lost processor answer settled by "Check again", and disputes decided
// by support with a partial and a full refund; each path ends with the
// ledger checking out, and no card in clear anywhere.
func TestPayChallengeAndDisputes(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	cfg.Demo = true
	s := apptest.Start(t, cfg)
	bodies := &bodyLog{}
	b := newPayBuyer(t, s, bodies)
	merchant := signInOffice(t, s, demoMerchantEmail, demoMerchantPWRe.FindStringSubmatch(s.Stdout.String())[1])
	bodies.record(merchant.c)

	paymentOf := func(what string, resp *http.Response, body string, prefix string) string {
		t.Helper()
		wantStatus(t, what, resp, body, http.StatusSeeOther, prefix)
		m := payIDRe.FindStringSubmatch(resp.Header.Get("Location"))
		if m == nil {
			t.Fatalf("%s went to %q", what, resp.Header.Get("Location"))
		}
		return m[1]
	}

	t.Run("challenge-approved", func(t *testing.T) {
		orderID, chk := b.checkout()
		resp, body := b.pay(chk, b.payForm(chk), payment.CardChallenge, "12/30")
		id := paymentOf("pay", resp, body, "/pay/challenge/")
		body = expectStatus(t, "challenge page", 200)(b.get("/pay/challenge/" + id))
		if !strings.Contains(body, "Approve") || !strings.Contains(body, "Visa ending 3220") || !strings.Contains(body, "3-D Secure") {
			t.Fatalf("challenge page: %s", body)
		}
		if st := orderStatus(t, s, orderID); st != "pending_payment" {
			t.Fatalf("before the challenge: %s", st)
		}
		expectStatus(t, "fail/no-decision", http.StatusUnprocessableEntity)(b.post("/pay/challenge/"+id, url.Values{"decision": {"maybe"}}))
		expectStatus(t, "approve", http.StatusSeeOther, "/orders/"+orderID)(b.post("/pay/challenge/"+id, url.Values{"decision": {"approve"}}))
		if st := orderStatus(t, s, orderID); st != "paid" {
			t.Fatalf("after approving: %s", st)
		}
		// A replayed approval moves nothing more.
		before := moneyState(t, s, orderID)
		expectStatus(t, "replayed approve", http.StatusSeeOther, "/payments/"+id)(b.post("/pay/challenge/"+id, url.Values{"decision": {"approve"}}))
		if after := moneyState(t, s, orderID); after != before {
			t.Fatalf("a replayed approval moved money: %s -> %s", before, after)
		}
		ledgerCheck(t, s)
	})

	t.Run("challenge-rejected", func(t *testing.T) {
		orderID, chk := b.checkout()
		resp, body := b.pay(chk, b.payForm(chk), payment.CardChallenge, "12/30")
		id := paymentOf("pay", resp, body, "/pay/challenge/")
		before := moneyState(t, s, orderID)
		body = expectStatus(t, "reject", http.StatusPaymentRequired)(b.post("/pay/challenge/"+id, url.Values{"decision": {"reject"}}))
		if !strings.Contains(body, "Your bank did not confirm the payment") || !strings.Contains(body, `autocomplete="cc-number"`) {
			t.Fatalf("after rejecting: %s", alertExcerpt(body))
		}
		if after := moneyState(t, s, orderID); after != before {
			t.Fatalf("a rejected challenge moved money: %s -> %s", before, after)
		}
		body = expectStatus(t, "declined payment page", 200)(b.get("/payments/" + id))
		if !strings.Contains(body, "Pay again") {
			t.Fatalf("declined payment page: %s", alertExcerpt(body))
		}
		// Another card pays the same checkout.
		expectStatus(t, "pay after a rejection", http.StatusSeeOther, "/orders/"+orderID)(b.pay(chk, b.payForm(chk), payment.CardApprove, "12/30"))
		ledgerCheck(t, s)
	})

	t.Run("lost-answer", func(t *testing.T) {
		orderID, chk := b.checkout()
		resp, body := b.pay(chk, b.payForm(chk), payment.CardNetworkError, "12/30")
		id := paymentOf("pay", resp, body, "/payments/")
		body = expectStatus(t, "confirming page", 200)(b.get("/payments/" + id))
		if !strings.Contains(body, "We are confirming your payment") || !strings.Contains(body, "Check again") {
			t.Fatalf("confirming page: %s", body)
		}
		if st := orderStatus(t, s, orderID); st != "pending_payment" {
			t.Fatalf("while unknown: %s", st)
		}
		expectStatus(t, "check again", http.StatusSeeOther, "/payments/"+id)(b.post("/payments/"+id+"/check", nil))
		expectStatus(t, "settled", http.StatusSeeOther, "/orders/"+orderID)(b.get("/payments/" + id))
		var captured int
		s.DB().QueryRow(t.Context(), `SELECT count(*) FROM sim_acquirer_ops o JOIN sim_acquirer_auths a ON a.id = o.auth_id
			WHERE o.kind = 'capture' AND a.last4 = '0119'`).Scan(&captured)
		if captured != 1 {
			t.Fatalf("the card was captured %d times", captured)
		}
		ledgerCheck(t, s)
	})

	support := newStaff(t, s, "support@citadel.test", "support")
	bodies.record(support.c)

	var disputed string
	t.Run("dispute-partial-refund", func(t *testing.T) {
		orderID := payAndDeliver(t, s, b, merchant)
		disputed = orderID
		expectStatus(t, "fail/dispute-without-reason", http.StatusUnprocessableEntity)(b.post("/orders/"+orderID+"/dispute", url.Values{"reason": {"I just feel like it"}}))
		expectStatus(t, "dispute", http.StatusSeeOther, "/orders/"+orderID)(b.post("/orders/"+orderID+"/dispute", url.Values{"reason": {"Damaged"}}))
		if st := orderStatus(t, s, orderID); st != "disputed" {
			t.Fatalf("after the dispute: %s", st)
		}
		expectStatus(t, "fail/confirm-disputed", http.StatusConflict)(b.post("/orders/"+orderID+"/confirm-delivery", nil))
		page := "/support/disputes/" + orderID
		// The buyer may read the dispute about their order, not decide it.
		if body := expectStatus(t, "buyer reads", 200)(b.get(page)); strings.Contains(body, `name="decision"`) {
			t.Fatal("the buyer is offered the decision")
		}
		expectStatus(t, "fail/buyer-decides", http.StatusForbidden)(b.post(page, url.Values{"decision": {"refund"}, "note": {"mine"}}))
		expectStatus(t, "fail/merchant-decides", http.StatusForbidden)(merchant.post(page, url.Values{"decision": {"release"}, "note": {"mine"}}))
		body := expectStatus(t, "support reads", 200)(support.get(page))
		if !strings.Contains(body, "Damaged") || !strings.Contains(body, `name="decision"`) || strings.Contains(body, "Harbour Street") {
			t.Fatalf("support's dispute page: %s", body)
		}
		var paid int64
		s.DB().QueryRow(t.Context(), `SELECT paid FROM escrow_holds WHERE order_id = ?`, orderID).Scan(&paid)
		before := moneyState(t, s, orderID)
		for _, tc := range []struct {
			name   string
			fields url.Values
			status int
		}{
			{"fail/refund-too-large", url.Values{"decision": {"partial_refund"}, "amount": {money.New(paid+1, "EUR").Decimal()}, "note": {"too much"}}, http.StatusConflict},
			{"fail/amount-not-a-number", url.Values{"decision": {"partial_refund"}, "amount": {"ten"}, "note": {"x"}}, http.StatusUnprocessableEntity},
			{"fail/no-note", url.Values{"decision": {"refund"}}, http.StatusUnprocessableEntity},
			{"fail/unknown-decision", url.Values{"decision": {"keep_it"}, "note": {"x"}}, http.StatusUnprocessableEntity},
		} {
			body := expectStatus(t, tc.name, tc.status)(support.post(page, tc.fields))
			if !strings.Contains(body, `role="alert"`) {
				t.Errorf("%s: no message", tc.name)
			}
			if after := moneyState(t, s, orderID); after != before {
				t.Fatalf("%s moved money: %s -> %s", tc.name, before, after)
			}
		}
		expectStatus(t, "partial refund", http.StatusSeeOther, page+"?m=")(support.post(page, url.Values{"decision": {"partial_refund"},
			"amount": {"10.00"}, "note": {"One handle arrived bent: 10 EUR back"}}))
		var refunded, released int64
		s.DB().QueryRow(t.Context(), `SELECT refunded, released FROM escrow_holds WHERE order_id = ?`, orderID).Scan(&refunded, &released)
		if refunded != 1000 || released != paid-1000 || orderStatus(t, s, orderID) != "completed" {
			t.Fatalf("after a partial refund of 10.00 of %d: refunded %d, released %d, %s", paid, refunded, released, orderStatus(t, s, orderID))
		}
		if body := expectStatus(t, "decided", 200)(support.get(page)); strings.Contains(body, `name="decision"`) {
			t.Fatal("a decided dispute is offered for decision again")
		}
		expectStatus(t, "fail/decide-twice", http.StatusConflict)(support.post(page, url.Values{"decision": {"refund"}, "note": {"again"}}))
		ledgerCheck(t, s)
	})

	t.Run("dispute-full-refund", func(t *testing.T) {
		orderID, chk := b.checkout()
		expectStatus(t, "pay", http.StatusSeeOther, "/orders/"+orderID)(b.pay(chk, b.payForm(chk), payment.CardApprove, "12/30"))
		// Before shipping: the buyer may dispute a paid order too.
		expectStatus(t, "dispute", http.StatusSeeOther)(b.post("/orders/"+orderID+"/dispute", url.Values{"reason": {"Not received"}}))
		page := "/support/disputes/" + orderID
		expectStatus(t, "full refund", http.StatusSeeOther, page+"?m=")(support.post(page, url.Values{"decision": {"refund"}, "note": {"Never shipped"}}))
		var paid, refunded int64
		s.DB().QueryRow(t.Context(), `SELECT paid, refunded FROM escrow_holds WHERE order_id = ?`, orderID).Scan(&paid, &refunded)
		if refunded != paid || orderStatus(t, s, orderID) != "refunded" {
			t.Fatalf("after a full refund: paid %d, refunded %d, %s", paid, refunded, orderStatus(t, s, orderID))
		}
		if body := expectStatus(t, "buyer's order", 200)(b.get("/orders/" + orderID)); !strings.Contains(body, "Never shipped") {
			t.Errorf("the buyer does not see the decision: %s", alertExcerpt(body))
		}
		ledgerCheck(t, s)
	})

	t.Run("dispute-release", func(t *testing.T) {
		orderID := payAndDeliver(t, s, b, merchant)
		expectStatus(t, "dispute", http.StatusSeeOther)(b.post("/orders/"+orderID+"/dispute", url.Values{"reason": {"Not as described"}}))
		page := "/support/disputes/" + orderID
		expectStatus(t, "release", http.StatusSeeOther, page+"?m=resolved")(support.post(page, url.Values{"decision": {"release"}, "note": {"As described in the listing"}}))
		var paid, released, refunded int64
		s.DB().QueryRow(t.Context(), `SELECT paid, released, refunded FROM escrow_holds WHERE order_id = ?`, orderID).Scan(&paid, &released, &refunded)
		if released != paid || refunded != 0 || orderStatus(t, s, orderID) != "completed" {
			t.Fatalf("after release: paid %d, released %d, refunded %d, %s", paid, released, refunded, orderStatus(t, s, orderID))
		}
		ledgerCheck(t, s)
	})

	t.Run("fail/other-buyer", func(t *testing.T) {
		other := newBrowser(t, s)
		bodies.record(other)
		signUp(t, s, other, "pay.stranger@example.com", "quiet harbour lantern 58")
		shopSignIn(t, s, other, "pay.stranger@example.com", "quiet harbour lantern 58")
		o := withCSRF(t, s, other)
		orderID, chk := b.checkout()
		resp, body := b.pay(chk, b.payForm(chk), payment.CardChallenge, "12/30")
		id := paymentOf("pay", resp, body, "/pay/challenge/")
		before := moneyState(t, s, orderID)
		for _, c := range []struct{ method, path string }{
			{"GET", "/pay/challenge/" + id}, {"POST", "/pay/challenge/" + id}, {"GET", "/payments/" + id},
			{"POST", "/payments/" + id + "/check"}, {"POST", "/orders/" + orderID + "/confirm-delivery"},
			{"POST", "/orders/" + orderID + "/dispute"}, {"GET", "/support/disputes/" + orderID},
			{"GET", "/support/disputes/" + disputed}, {"POST", "/orders/" + disputed + "/dispute"},
		} {
			var resp *http.Response
			if c.method == "GET" {
				resp, body = o.get(c.path)
			} else {
				resp, body = o.post(c.path, url.Values{"decision": {"approve"}, "reason": {"Damaged"}})
			}
			if resp.StatusCode != 404 || strings.Contains(body, id) || strings.Contains(body, orderID) || strings.Contains(body, disputed) {
				t.Fatalf("%s %s as another buyer: %d", c.method, c.path, resp.StatusCode)
			}
		}
		if after := moneyState(t, s, orderID); after != before {
			t.Fatalf("another buyer moved money: %s -> %s", before, after)
		}
		expectStatus(t, "fail/buyer-balances", http.StatusForbidden)(o.get("/payouts"))
	})

	cardScan(t, s, bodies)
}

type apiPayment struct {
	ID, Status, Brand, Last4 string
	CheckoutID               string   `json:"checkout_id"`
	OrderIDs                 []string `json:"order_ids"`
	Amount                   apiMoney
	DeclineCode              string `json:"decline_code"`
	ChallengeURL             string `json:"challenge_url"`
}

// cardJSON is a pay request body with a card (and fields to add).
func cardJSON(number string, month, year int, extra map[string]any) string {
	body := map[string]any{"card": map[string]any{"number": number, "exp_month": month, "exp_year": year, "cvc": "123", "name": "Ada Lovelace"}}
	for k, v := range extra {
		body[k] = v
	}
	return jsonBody(body)
}

// The JSON API's side of paying: refused cards and another buyer's
// checkout move nothing; an Idempotency-Key makes a retry the same
// payment; 3-D Secure and a lost answer are 202; the buyer confirms
// delivery and disputes; the merchant reads its balances. The ledger
// checks out, and no response, log line or database byte holds a card.
func TestPayAPIJourney(t *testing.T) {
	s := startDemo(t, "block")
	bodies := &bodyLog{}
	a := newAPIBuyer(t, s, "127.0.0.41", "payer@example.com", "cart.write", "order.create", "order.read", "dispute.open")
	bodies.record(a.c)
	sh := openDomain(t, s)
	skillet := findProduct(a, "skillet").Variants[0]
	checkout := func() (orderID, checkoutID string) {
		t.Helper()
		a.want(200, "POST", "/api/v1/cart/items", jsonBody(map[string]any{"variant_id": skillet.ID, "quantity": 1}), nil)
		var res struct {
			CheckoutID string `json:"checkout_id"`
			Orders     []apiOrder
		}
		a.want(201, "POST", "/api/v1/checkout", checkoutJSON("standard"), &res)
		return res.Orders[0].ID, res.CheckoutID
	}
	orderID, chk := checkout()
	path := "/api/v1/checkouts/" + chk + "/pay"
	if resp, body := a.call("POST", path, cardJSON(payment.CardDecline, 12, 2030, nil)); resp.StatusCode == 404 {
		t.Fatalf("POST %s: 404 %s: the API's payments are not wired (internal/app/routes.go: api.New(...).WithCommerce(...).WithPayments(s.svc.payments, s.svc.escrow))", path, body)
	}

	before := moneyState(t, s, orderID)
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"fail/declined", cardJSON(payment.CardDecline, 12, 2030, nil), 402, "card_declined"},
		{"fail/insufficient-funds", cardJSON(payment.CardInsufficient, 12, 2030, nil), 402, "card_declined"},
		{"fail/luhn", cardJSON("4242 4242 4242 4241", 12, 2030, nil), 422, "invalid_card_number"},
		{"fail/expired", cardJSON(payment.CardApprove, 1, 2024, nil), 422, "card_expired"},
		{"fail/bad-month", cardJSON(payment.CardApprove, 13, 2030, nil), 422, "invalid_expiry"},
		{"fail/amount-mismatch", cardJSON(payment.CardApprove, 12, 2030, map[string]any{"amount": map[string]string{"amount": "1.00", "currency": "EUR"}}), 409, "amount_mismatch"},
		{"fail/currency-mismatch", cardJSON(payment.CardApprove, 12, 2030, map[string]any{"amount": map[string]string{"amount": "1.00", "currency": "USD"}}), 409, "currency_mismatch"},
		{"fail/number-as-json-number", `{"card":{"number":4242424242424242,"exp_month":12,"exp_year":2030,"cvc":"123","name":"Ada"}}`, 400, "invalid_field"},
		{"fail/unknown-field", cardJSON(payment.CardApprove, 12, 2030, map[string]any{"pin": "1234"}), 400, "malformed_json"},
		{"fail/missing-cvc", `{"card":{"number":"4242424242424242","exp_month":12,"exp_year":2030,"name":"Ada"}}`, 400, "missing_field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := a.call("POST", path, tc.body)
			if resp.StatusCode != tc.status || errCode(body) != tc.code {
				t.Fatalf("%d %s; want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			if strings.Contains(body, "4242") || strings.Contains(body, "0002") || strings.Contains(body, "9995") {
				t.Fatalf("the error repeats the card: %s", body)
			}
			if after := moneyState(t, s, orderID); after != before {
				t.Fatalf("moved money: %s -> %s", before, after)
			}
		})
	}
	if _, body := a.call("POST", path, cardJSON(payment.CardInsufficient, 12, 2030, nil)); !strings.Contains(body, `"decline_code":"insufficient_funds"`) {
		t.Errorf("no decline code: %s", body)
	}

	t.Run("fail/other-buyer-checkout", func(t *testing.T) {
		other := newAPIBuyer(t, s, "127.0.0.42", "mallory@example.com", "order.create", "order.read")
		bodies.record(other.c)
		resp, body := other.call("POST", path, cardJSON(payment.CardApprove, 12, 2030, nil))
		if resp.StatusCode != 404 || errCode(body) != "not_found" || strings.Contains(body, chk) {
			t.Fatalf("another buyer pays: %d %s", resp.StatusCode, body)
		}
		if after := moneyState(t, s, orderID); after != before {
			t.Fatalf("another buyer moved money: %s -> %s", before, after)
		}
	})

	var p apiPayment
	first := a.want(201, "POST", path, cardJSON(payment.CardApprove, 12, 2030, nil), &p, "Idempotency-Key", "pay-"+chk)
	if p.Status != "captured" || p.Brand != "visa" || p.Last4 != "4242" || len(p.OrderIDs) != 1 || p.OrderIDs[0] != orderID {
		t.Fatalf("payment: %s", first)
	}
	paid := moneyState(t, s, orderID)
	resp, again := a.call("POST", path, cardJSON(payment.CardApprove, 12, 2030, nil), "Idempotency-Key", "pay-"+chk)
	if resp.StatusCode != 201 || again != first || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s", resp.StatusCode, again)
	}
	if resp, body := a.call("POST", path, cardJSON(payment.CardApprove, 12, 2030, nil), "Idempotency-Key", "pay-again-"+chk); resp.StatusCode != 409 || errCode(body) != "already_paid" {
		t.Fatalf("paying twice: %d %s", resp.StatusCode, body)
	}
	if after := moneyState(t, s, orderID); after != paid {
		t.Fatalf("retries moved money: %s -> %s", paid, after)
	}
	var got apiPayment
	a.want(200, "GET", "/api/v1/payments/"+p.ID, "", &got)
	if got.ID != p.ID || got.Status != "captured" || got.Amount != p.Amount {
		t.Fatalf("GET payment: %+v", got)
	}

	// 3-D Secure and a lost answer are not finished: 202.
	_, chk2 := checkout()
	var ch apiPayment
	a.want(202, "POST", "/api/v1/checkouts/"+chk2+"/pay", cardJSON(payment.CardChallenge, 12, 2030, nil), &ch)
	if ch.Status != "challenge" || ch.ChallengeURL != "/pay/challenge/"+ch.ID {
		t.Fatalf("challenge: %+v", ch)
	}
	_, chk3 := checkout()
	var lost apiPayment
	a.want(202, "POST", "/api/v1/checkouts/"+chk3+"/pay", cardJSON(payment.CardNetworkError, 12, 2030, nil), &lost, "Idempotency-Key", "lost-"+chk3)
	if lost.Status != "authorising" {
		t.Fatalf("lost answer: %+v", lost)
	}

	// Escrow: the merchant accepts and ships, the carrier delivers, the
	// buyer confirms; another order is disputed.
	m := demoMerchantAPI(t, s, "127.0.0.43")
	bodies.record(m.c)
	m.want(200, "POST", "/api/v1/merchant/orders/"+orderID+"/accept", "", nil)
	m.want(200, "POST", "/api/v1/merchant/orders/"+orderID+"/ship", `{"carrier":"DHL","tracking":"JJD000390007"}`, nil)
	if resp, body := a.call("POST", "/api/v1/orders/"+orderID+"/confirm-delivery", ""); resp.StatusCode != 409 || errCode(body) != "not_delivered" {
		t.Fatalf("confirm before delivery: %d %s", resp.StatusCode, body)
	}
	if _, err := sh.orders.Transition(t.Context(), orderID, order.System, order.Change{To: order.Delivered}); err != nil {
		t.Fatal(err)
	}
	if resp, body := a.call("POST", "/api/v1/orders/"+orderID+"/confirm-delivery", `{"really":true}`); resp.StatusCode != 400 {
		t.Fatalf("confirm with a body: %d %s", resp.StatusCode, body)
	}
	var o apiOrder
	a.want(200, "POST", "/api/v1/orders/"+orderID+"/confirm-delivery", "", &o)
	if o.Status != "completed" {
		t.Fatalf("confirmed: %+v", o)
	}
	if resp, body := a.call("POST", "/api/v1/orders/"+orderID+"/disputes", `{"reason":"late"}`); resp.StatusCode != 409 || errCode(body) != "dispute_window_closed" {
		t.Fatalf("dispute after release: %d %s", resp.StatusCode, body)
	}
	order4, chk4 := checkout()
	a.want(201, "POST", "/api/v1/checkouts/"+chk4+"/pay", cardJSON(payment.CardApprove, 12, 2030, nil), nil)
	if resp, body := a.call("POST", "/api/v1/orders/"+order4+"/disputes", `{}`); resp.StatusCode != 400 || errCode(body) != "missing_field" {
		t.Fatalf("dispute without a reason: %d %s", resp.StatusCode, body)
	}
	a.want(201, "POST", "/api/v1/orders/"+order4+"/disputes", `{"reason":"the box was crushed"}`, &o)
	if o.Status != "disputed" {
		t.Fatalf("disputed: %+v", o)
	}
	if resp, body := a.call("POST", "/api/v1/orders/"+order4+"/disputes", `{"reason":"again"}`); resp.StatusCode != 409 || errCode(body) != "disputed" {
		t.Fatalf("second dispute: %d %s", resp.StatusCode, body)
	}

	var bal struct {
		Balances []struct {
			Currency           string
			Pending, Available apiMoney
			PaidOut            apiMoney `json:"paid_out"`
		}
	}
	if resp, body := a.call("GET", "/api/v1/merchant/balances", ""); resp.StatusCode != 403 {
		t.Fatalf("a buyer reads balances: %d %s", resp.StatusCode, body)
	}
	m.token = apiToken(t, s, m.c, m.email, "payout.read")
	body := m.want(200, "GET", "/api/v1/merchant/balances", "", &bal)
	var held, available int64
	s.DB().QueryRow(t.Context(), `SELECT COALESCE(SUM(paid - refunded - released), 0) FROM escrow_holds WHERE status = 'open'`).Scan(&held)
	s.DB().QueryRow(t.Context(), `SELECT COALESCE(SUM(released - fee), 0) FROM escrow_holds`).Scan(&available)
	if len(bal.Balances) != 1 || bal.Balances[0].Currency != "EUR" || !strings.Contains(body, fmt.Sprintf(`"pending":{"amount":"%s"`, money.New(held, "EUR").Decimal())) ||
		!strings.Contains(body, fmt.Sprintf(`"available":{"amount":"%s"`, money.New(available, "EUR").Decimal())) {
		t.Fatalf("balances (held %d, available %d): %s", held, available, body)
	}
	ledgerCheck(t, s)
	cardScan(t, s, bodies)
}
