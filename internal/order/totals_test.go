package order_test

import (
	"errors"
	"math"
	"testing"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/tax"
)

func TestCompute(t *testing.T) {
	line := func(unit int64, q int, cur money.Currency) order.LineInput {
		return order.LineInput{UnitPrice: money.New(unit, cur), Quantity: q}
	}
	for _, c := range []struct {
		name                       string
		lines                      []order.LineInput
		country                    string
		method                     shipping.Method
		subtotal, ship, tax, total int64
		lineTax                    []int64
		err                        error
	}{
		// 19.99 × 1 = 19.99; tax 3.7981 → 3.80; shipping 4.90, tax 0.931 → 0.93.
		{"one-line-de", []order.LineInput{line(1999, 1, "EUR")}, "DE", shipping.Standard, 1999, 490, 473, 2962, []int64{380}, nil},
		// Per line: 3 × (0.03 × 19 % = 0.0057 → 0.01) = 0.03, where taxing the
		// sum would give 0.09 × 19 % = 0.0171 → 0.02. Shipping 0.931 → 0.93.
		{"per-line-rounding", []order.LineInput{line(3, 1, "EUR"), line(3, 1, "EUR"), line(3, 1, "EUR")}, "DE", shipping.Standard, 9, 490, 3 + 93, 595, []int64{1, 1, 1}, nil},
		// Halves round away from zero: 25 % of 0.02 is 0.005 → 0.01, of 0.06
		// is 0.015 → 0.02, of 4.90 is 1.225 → 1.23.
		{"half-away-from-zero", []order.LineInput{line(2, 1, "EUR"), line(6, 1, "EUR")}, "SE", shipping.Standard, 8, 490, 1 + 2 + 123, 624, []int64{1, 2}, nil},
		{"half-19pct", []order.LineInput{line(50, 1, "EUR")}, "DE", shipping.Express, 50, 1290, 10 + 245, 1595, []int64{10}, nil},
		{"free-standard-shipping", []order.LineInput{line(2500, 2, "EUR")}, "DE", shipping.Standard, 5000, 0, 950, 5950, []int64{950}, nil},
		{"express-not-free", []order.LineInput{line(2500, 2, "EUR")}, "DE", shipping.Express, 5000, 1290, 950 + 245, 7485, []int64{950}, nil},
		{"us-no-tax", []order.LineInput{line(1000, 3, "USD")}, "US", shipping.Standard, 3000, 899, 0, 3899, []int64{0}, nil},
		{"gb-gbp", []order.LineInput{line(1234, 1, "GBP")}, "GB", shipping.Standard, 1234, 399, 247 + 80, 1960, []int64{247}, nil},
		{"swiss-810bps", []order.LineInput{line(9999, 1, "CHF")}, "CH", shipping.Standard, 9999, 0, 810, 10809, []int64{810}, nil},
		{"fail/mixed-currency", []order.LineInput{line(100, 1, "EUR"), line(100, 1, "GBP")}, "DE", shipping.Standard, 0, 0, 0, 0, nil, money.ErrCurrencyMismatch},
		{"fail/overflow", []order.LineInput{line(math.MaxInt64/2, 3, "EUR")}, "DE", shipping.Standard, 0, 0, 0, 0, nil, money.ErrOverflow},
		{"fail/unsupported-country", []order.LineInput{line(100, 1, "EUR")}, "XX", shipping.Standard, 0, 0, 0, 0, nil, tax.ErrUnsupportedCountry},
		{"fail/unknown-method", []order.LineInput{line(100, 1, "EUR")}, "DE", "drone", 0, 0, 0, 0, nil, shipping.ErrUnknownMethod},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := order.Compute(c.lines, c.country, c.method)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v; want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cur := c.lines[0].UnitPrice.Currency
			a := func(m int64) money.Amount { return money.New(m, cur) }
			if got.Subtotal != a(c.subtotal) || got.Shipping != a(c.ship) || got.Tax != a(c.tax) || got.Total != a(c.total) {
				t.Errorf("subtotal %v shipping %v tax %v total %v; want %d %d %d %d",
					got.Subtotal, got.Shipping, got.Tax, got.Total, c.subtotal, c.ship, c.tax, c.total)
			}
			for i, lt := range c.lineTax {
				if got.Lines[i].Tax != a(lt) {
					t.Errorf("line %d tax %v; want %d", i, got.Lines[i].Tax, lt)
				}
			}
			// The parts always add up.
			sum, _ := money.Sum(cur, got.Subtotal, got.Shipping, got.Tax)
			if sum != got.Total {
				t.Errorf("parts %v != total %v", sum, got.Total)
			}
		})
	}
}

// Every country we ship to has a tax rate, and every taxed country has
// shipping, so checkout never accepts a destination it cannot price.
func TestDestinationsAgree(t *testing.T) {
	for _, country := range []string{"AT", "BE", "CH", "DE", "DK", "ES", "FR", "GB", "IE", "IT", "NL", "SE", "US"} {
		if !tax.Supported(country) {
			t.Errorf("%s: no tax rate", country)
		}
		if _, err := shipping.Methods(country, "EUR"); err != nil {
			t.Errorf("%s: %v", country, err)
		}
	}
}

// The table's shape: terminal states have no way out except a refund of
// a completed order, and only the system marks an order paid.
func TestStateTable(t *testing.T) {
	kinds := []order.ActorKind{order.ByBuyer, order.ByMerchant, order.BySystem, order.BySupport}
	for _, to := range order.Statuses {
		for _, k := range kinds {
			for _, from := range []order.Status{order.Cancelled, order.Refunded} {
				if order.CanTransition(from, to, k) {
					t.Errorf("%s -> %s by %s allowed", from, to, k)
				}
			}
			if order.CanTransition(order.Completed, to, k) && to != order.Refunded {
				t.Errorf("completed -> %s by %s allowed", to, k)
			}
			if to == order.Paid && k != order.BySystem && order.CanTransition(order.PendingPayment, to, k) {
				t.Errorf("%s may mark paid", k)
			}
		}
	}
	seen := map[[2]order.Status]bool{}
	for _, r := range order.Rules() {
		if seen[[2]order.Status{r.From, r.To}] {
			t.Errorf("rule %s -> %s listed twice", r.From, r.To)
		}
		seen[[2]order.Status{r.From, r.To}] = true
	}
}
