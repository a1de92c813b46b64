package web

import (
	"fmt"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
)

func TestParseExpiry(t *testing.T) {
	for _, tc := range []struct {
		in          string
		month, year int
		ok          bool
	}{
		{"12/30", 12, 30, true},
		{"1/2031", 1, 2031, true},
		{"09 / 29", 9, 29, true},
		{"fail/no-slash 1230", 0, 0, false},
		{"13/30", 0, 0, false},
		{"00/30", 0, 0, false},
		{"12/3", 0, 0, false},
		{"12/203", 0, 0, false},
		{"-1/30", 0, 0, false},
		{"12/+30", 0, 0, false},
		{"", 0, 0, false},
		{"12/30/31", 0, 0, false},
	} {
		in := strings.TrimPrefix(tc.in, "fail/no-slash ")
		m, y, ok := parseExpiry(in)
		if ok != tc.ok || m != tc.month || y != tc.year {
			t.Errorf("parseExpiry(%q) = %d, %d, %v", in, m, y, ok)
		}
	}
}

func TestNonce(t *testing.T) {
	a, b := newNonce(), newNonce()
	if a == b || !validNonce(a) || !validNonce(b) {
		t.Fatalf("nonces %q %q", a, b)
	}
	for _, bad := range []string{"", strings.ToUpper(a), a[:25], a + "a", strings.Repeat("1", 26), "web:" + a[4:]} {
		if validNonce(bad) {
			t.Errorf("validNonce(%q)", bad)
		}
	}
	if payKey(a) != "web:"+a {
		t.Fatal("payKey")
	}
}

// readCardForm never puts the card's number, expiry or code in its
// message, however they are wrong.
func TestReadCardFormProblems(t *testing.T) {
	ok := url.Values{"number": {"4242 4242 4242 4242"}, "exp": {"12/30"}, "cvc": {"123"}, "name": {"Ada Quayside"},
		"n": {newNonce()}, "amount": {"47.48"}, "currency": {"EUR"}}
	post := func(change func(url.Values)) cardForm {
		v := url.Values{}
		for k, vs := range ok {
			v[k] = slices.Clone(vs)
		}
		change(v)
		r := httptest.NewRequest("POST", "/checkout/x/pay", strings.NewReader(v.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return readCardForm(r)
	}
	if f := post(func(url.Values) {}); f.Problem != "" || f.Month != 12 || f.Year != 30 || f.Number != "4242 4242 4242 4242" {
		t.Fatalf("a good form: %+v", f.Problem)
	}
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		want   string
	}{
		{"fail/long-number", func(v url.Values) { v.Set("number", strings.Repeat("4242 ", 10)) }, "card number"},
		{"fail/bad-expiry", func(v url.Values) { v.Set("exp", "4242") }, "expiry"},
		{"fail/long-expiry", func(v url.Values) { v.Set("exp", "12/30 4242 4242") }, "expiry"},
		{"fail/long-cvc", func(v url.Values) { v.Set("cvc", "42424") }, "security code"},
		{"fail/long-name", func(v url.Values) { v.Set("name", strings.Repeat("4242", 101)) }, "name on the card"},
		{"fail/no-nonce", func(v url.Values) { v.Del("n") }, "expired"},
		{"fail/forged-nonce", func(v url.Values) { v.Set("n", "4242424242424242") }, "expired"},
	} {
		f := post(tc.change)
		if !strings.Contains(f.Problem, tc.want) || strings.Contains(f.Problem, "4242") || strings.Contains(f.Problem, "42424") {
			t.Errorf("%s: problem %q", tc.name, f.Problem)
		}
	}
}

// The form shows the card errors' own texts: a cause wrapped around one
// (the card number, say) never reaches the page.
func TestCardProblem(t *testing.T) {
	for _, ce := range cardErrors {
		msg := cardProblem(fmt.Errorf("card 4242424242424242: %w", ce))
		if msg == "" || strings.Contains(msg, "4242") || !strings.HasSuffix(msg, ".") {
			t.Errorf("%v: %q", ce, msg)
		}
	}
	if cardProblem(payment.ErrAmountMismatch) != "" {
		t.Error("not a card error")
	}
	if cardLabel(payment.CardInfo{Brand: payment.Visa, Last4: "4242"}) != "Visa ending 4242" || cardLabel(payment.CardInfo{}) != "" {
		t.Error("cardLabel")
	}
	for _, code := range []string{"card_declined", "insufficient_funds", "authentication_failed", "something_new"} {
		if m := declineMessage(code); !strings.Contains(m, "Nothing was charged") {
			t.Errorf("%s: %q", code, m)
		}
	}
}

func TestDueOf(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	o := func(st order.Status, total int64, expires time.Duration) order.Order {
		return order.Order{Status: st, Total: money.New(total, "EUR"), ExpiresAt: now.Add(expires)}
	}
	d, err := dueOf([]order.Order{o(order.PendingPayment, 1000, time.Minute), o(order.PendingPayment, 250, time.Minute),
		o(order.PendingPayment, 9999, -time.Second), o(order.Cancelled, 500, 0)}, now)
	if err != nil || len(d.Orders) != 2 || d.Total != money.New(1250, "EUR") || d.Paid {
		t.Fatalf("due: %+v %v", d, err)
	}
	d, _ = dueOf([]order.Order{o(order.Paid, 1000, 0), o(order.Cancelled, 500, 0)}, now)
	if len(d.Orders) != 0 || !d.Paid {
		t.Fatalf("paid: %+v", d)
	}
	if _, err := dueOf([]order.Order{o(order.PendingPayment, 1, time.Minute), {Status: order.PendingPayment,
		Total: money.New(1, "USD"), ExpiresAt: now.Add(time.Minute)}}, now); err == nil {
		t.Fatal("mixed currencies added up")
	}
}

func TestReportPeriod(t *testing.T) {
	now := time.Date(2026, 3, 31, 15, 4, 5, 0, time.UTC)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tc := range []struct {
		from, to, start, end string
		ok                   bool
	}{
		{"", "", "2026-03-02", "2026-03-31", true},
		{"2026-01-01", "2026-01-31", "2026-01-01", "2026-01-31", true},
		{"", "2026-02-28", "2026-01-30", "2026-02-28", true},
		{"2026-03-31", "2026-03-01", "", "", false},
		{"2024-01-01", "2026-01-01", "", "", false},
		{"yesterday", "", "", "", false},
		{"", "2026-02-30", "", "", false},
	} {
		start, end, ok := reportPeriod(tc.from, tc.to, now)
		if ok != tc.ok || (ok && (!start.Equal(day(tc.start)) || !end.Equal(day(tc.end)))) {
			t.Errorf("reportPeriod(%q, %q) = %s, %s, %v", tc.from, tc.to, start, end, ok)
		}
	}
}

// The payment templates keep to the CSP and CSRF rules, the card inputs
// are bounded and autocompleted, and the number, expiry and code are
// never given a value: nothing typed is put back.
func TestPayTemplates(t *testing.T) {
	names, _ := fs.Glob(templateFS, "templates/pay_*.html")
	if len(names) < 5 {
		t.Fatalf("only %d templates", len(names))
	}
	for _, name := range append(names, "templates/shop_order.html") {
		b, _ := fs.ReadFile(templateFS, name)
		src := string(b)
		for _, bad := range []string{"<script", "<style", "style=", "javascript:"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s: contains %q", name, bad)
			}
		}
		if handlerAttrRe.MatchString(src) {
			t.Errorf("%s: an inline event handler", name)
		}
		for _, f := range postFormRe.FindAllString(src, -1) {
			if !strings.Contains(f, csrfField) {
				t.Errorf("%s: a post form without the CSRF field: %.80s", name, f)
			}
		}
	}
	b, _ := fs.ReadFile(templateFS, "templates/pay_form.html")
	src := string(b)
	for _, field := range []struct{ name, autocomplete string }{{"number", "cc-number"}, {"exp", "cc-exp"}, {"cvc", "cc-csc"}, {"name", "cc-name"}} {
		in := regexp.MustCompile(`<input[^>]*name="` + field.name + `"[^>]*>`).FindString(src)
		if !strings.Contains(in, `autocomplete="`+field.autocomplete+`"`) || !strings.Contains(in, "maxlength=") {
			t.Errorf("input %s: %s", field.name, in)
		}
		if field.name != "name" && strings.Contains(in, "value=") {
			t.Errorf("input %s is given a value: %s", field.name, in)
		}
	}
}

// The dispute reasons the order page offers are those the handler takes.
func TestDisputeReasonsMatchTheOrderPage(t *testing.T) {
	b, _ := fs.ReadFile(templateFS, "templates/shop_order.html")
	sel := regexp.MustCompile(`(?s)action="/orders/\{\{\.ID\}\}/dispute".*?</select>`).FindString(string(b))
	var offered []string
	for _, m := range regexp.MustCompile(`<option>([^<]+)</option>`).FindAllStringSubmatch(sel, -1) {
		offered = append(offered, m[1])
	}
	if !slices.Equal(offered, disputeReasons) {
		t.Fatalf("the page offers %q, the handler takes %q", offered, disputeReasons)
	}
}
