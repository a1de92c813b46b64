package payment_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/payment"
)

func TestParsePAN(t *testing.T) {
	for _, c := range []struct {
		in    string
		brand payment.Brand
		last4 string
	}{
		{payment.CardApprove, payment.Visa, "4242"},
		{"4242424242424242", payment.Visa, "4242"},
		{"4242-4242-4242-4242", payment.Visa, "4242"},
		{payment.CardApproveMC, payment.Mastercard, "4444"},
		{"2223 0031 2200 3222", payment.Mastercard, "3222"},
		{payment.CardApproveAmex, payment.Amex, "0005"},
		{"6011 1111 1111 1117", payment.Discover, "1117"},
		{"3566 0020 2036 0505", payment.JCB, "0505"},
		{"3056 9300 0902 0004", payment.Diners, "0004"},
		{"6200 0000 0000 0005", payment.UnionPay, "0005"},
		{"4222222222222", payment.Visa, "2222"}, // 13-digit Visa
		{payment.CardDecline, payment.Visa, "0002"},
		{payment.CardInsufficient, payment.Visa, "9995"},
		{payment.CardChallenge, payment.Visa, "3220"},
		{payment.CardNetworkError, payment.Visa, "0119"},
	} {
		p, err := payment.ParsePAN(c.in)
		if err != nil || p.Brand() != c.brand || p.Last4() != c.last4 {
			t.Errorf("ParsePAN(%q) = %v %v %v", c.in, p.Brand(), p.Last4(), err)
		}
	}
	for name, c := range map[string]struct {
		in   string
		want error
	}{
		"fail/luhn":              {"4242 4242 4242 4241", payment.ErrInvalidCard},
		"fail/short":             {"4242 4242 42", payment.ErrInvalidCard},
		"fail/long":              {"4242 4242 4242 4242 4242", payment.ErrInvalidCard},
		"fail/letters":           {"4242 4242 4242 424a", payment.ErrInvalidCard},
		"fail/double-space":      {"4242  4242 4242 4242", payment.ErrInvalidCard},
		"fail/leading-space":     {" 4242 4242 4242 4242", payment.ErrInvalidCard},
		"fail/trailing-hyphen":   {"4242424242424242-", payment.ErrInvalidCard},
		"fail/unicode-digits":    {"٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", payment.ErrInvalidCard},
		"fail/empty":             {"", payment.ErrInvalidCard},
		"fail/unknown-scheme":    {"9999 9999 9999 9995", payment.ErrUnsupportedCard},
		"fail/visa-wrong-length": {"4242 4242 4242 4242 42", payment.ErrUnsupportedCard},
		"fail/amex-wrong-length": {"3782 8224 6310 0051", payment.ErrInvalidCard},
	} {
		if _, err := payment.ParsePAN(c.in); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

// A card number never prints: every fmt verb, JSON and errors show only
// brand and last four, also inside the request handed to a provider.
func TestPANNeverPrints(t *testing.T) {
	p, _ := payment.ParsePAN(payment.CardApprove)
	req := payment.AuthRequest{IdempotencyKey: "k", Card: p, CVV: "123", Amount: money.New(100, "EUR")}
	j, _ := json.Marshal(req)
	for _, s := range []string{
		fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s %q %x %X %d", p, p, p, p, p, p, p, p),
		fmt.Sprintf("%v %+v %#v", req, req, &req), string(j), fmt.Sprint([]payment.PAN{p}),
		fmt.Sprint(map[string]any{"card": p}),
	} {
		if strings.Contains(s, "424242424242") || strings.Contains(s, "34323432") {
			t.Errorf("the number leaks: %s", s)
		}
	}
	if fmt.Sprint(p) != "visa •••• 4242" {
		t.Errorf("String = %q", fmt.Sprint(p))
	}
}

// FuzzParsePAN: whatever parses is 12 to 19 digits that pass the Luhn
// check, of a known scheme, parses again to the same card from its digits
// grouped any way, and never prints more than its last four.
func FuzzParsePAN(f *testing.F) {
	for _, s := range []string{payment.CardApprove, payment.CardApproveAmex, "4242-4242-4242-4242", "4242424242424241",
		"6011111111111117", "", "0", "4 2", "2223003122003222", "٤٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := payment.ParsePAN(s)
		if err != nil {
			if !errors.Is(err, payment.ErrInvalidCard) && !errors.Is(err, payment.ErrUnsupportedCard) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		d := p.Reveal()
		if len(d) < 12 || len(d) > 19 || strings.Trim(d, "0123456789") != "" || p.Brand() == "" {
			t.Fatalf("%q parsed to %q (%s)", s, d, p.Brand())
		}
		if strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "-", "") != d {
			t.Fatalf("%q parsed to other digits %q", s, d)
		}
		var grouped strings.Builder
		for i := 0; i < len(d); i++ {
			if i > 0 && i%4 == 0 {
				grouped.WriteByte(' ')
			}
			grouped.WriteByte(d[i])
		}
		q, err := payment.ParsePAN(grouped.String())
		if err != nil || q != p {
			t.Fatalf("%q regrouped as %q: %v", s, grouped.String(), err)
		}
		if out := fmt.Sprintf("%v %s %#v", p, p, p); strings.Contains(out, d[:len(d)-4]) {
			t.Fatalf("prints its digits: %s", out)
		}
	})
}
