package money

import (
	"errors"
	"math"
	"testing"
)

func TestAddSubMul(t *testing.T) {
	eur := func(m int64) Amount { return New(m, "EUR") }
	if s, err := eur(150).Add(eur(275)); err != nil || s != eur(425) {
		t.Fatalf("Add = %v, %v", s, err)
	}
	if _, err := eur(1).Add(New(1, "USD")); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("mixed currencies: %v", err)
	}
	if _, err := eur(math.MaxInt64).Add(eur(1)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("overflow: %v", err)
	}
	if _, err := eur(math.MinInt64).Sub(eur(1)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("underflow: %v", err)
	}
	if _, err := eur(1).Sub(eur(math.MinInt64)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("negating MinInt64: %v", err)
	}
	if p, err := eur(1999).Mul(3); err != nil || p != eur(5997) {
		t.Fatalf("Mul = %v, %v", p, err)
	}
	if _, err := eur(math.MaxInt64 / 2).Mul(3); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Mul overflow: %v", err)
	}
	if _, err := eur(-1).Mul(math.MinInt64); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Mul MinInt64: %v", err)
	}
}

// The rounding rule: exact product, then halves away from zero.
func TestRateRounding(t *testing.T) {
	for _, c := range []struct {
		minor, bps, want int64
	}{
		{1000, 2000, 200}, // 20 % of 10.00
		{1, 5000, 1},      // 0.005 -> 0.01 (half away from zero)
		{1, 4999, 0},      // 0.004999 -> 0.00
		{-1, 5000, -1},    // -0.005 -> -0.01
		{333, 1900, 63},   // 63.27 -> 63
		{250, 1900, 48},   // 47.5 -> 48
		{249, 1900, 47},   // 47.31 -> 47
		{0, 1900, 0},      // nothing
		{999, 10000, 999}, // 100 %
		{math.MaxInt64, 10000, math.MaxInt64},
	} {
		got, err := New(c.minor, "EUR").Rate(c.bps)
		if err != nil || got.Minor != c.want {
			t.Errorf("%d x %d bps = %v, %v; want %d", c.minor, c.bps, got.Minor, err, c.want)
		}
	}
	if _, err := New(math.MaxInt64, "EUR").Rate(20000); !errors.Is(err, ErrOverflow) {
		t.Errorf("overflowing rate: %v", err)
	}
	if _, err := New(1, "EUR").Rate(-1); err == nil {
		t.Error("negative rate accepted")
	}
}

func TestDecimalRoundTrip(t *testing.T) {
	for _, c := range []struct {
		s    string
		cur  Currency
		want int64
		out  string
	}{
		{"12.34", "EUR", 1234, "12.34"},
		{"12", "EUR", 1200, "12.00"},
		{"0.5", "USD", 50, "0.50"},
		{"0.05", "USD", 5, "0.05"},
		{"1200", "JPY", 1200, "1200"},
		{"1.234", "KWD", 1234, "1.234"},
		{"92233720368547758.07", "EUR", math.MaxInt64, "92233720368547758.07"},
	} {
		a, err := ParseDecimal(c.s, c.cur)
		if err != nil || a.Minor != c.want || a.Decimal() != c.out {
			t.Errorf("ParseDecimal(%q, %s) = %v (%q), %v", c.s, c.cur, a.Minor, a.Decimal(), err)
		}
	}
	if got := New(-5, "USD").String(); got != "-0.05 USD" {
		t.Errorf("String = %q", got)
	}
	if got := New(math.MinInt64, "EUR").Decimal(); got != "-92233720368547758.08" {
		t.Errorf("MinInt64 = %q", got)
	}
}

func TestParseDecimalRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		s   string
		cur Currency
	}{
		"fail/fraction-of-minor-unit": {"12.345", "EUR"},
		"fail/decimals-on-yen":        {"12.5", "JPY"},
		"fail/negative":               {"-1.00", "EUR"},
		"fail/plus":                   {"+1.00", "EUR"},
		"fail/exponent":               {"1e3", "EUR"},
		"fail/comma":                  {"1,00", "EUR"},
		"fail/space":                  {" 1.00", "EUR"},
		"fail/empty":                  {"", "EUR"},
		"fail/dot-only":               {".", "EUR"},
		"fail/trailing-dot":           {"1.", "EUR"},
		"fail/leading-dot":            {".5", "EUR"},
		"fail/too-large":              {"92233720368547758.08", "EUR"},
		"fail/unknown-currency":       {"1.00", "XXX"},
		"fail/unicode-digit":          {"١٢", "EUR"},
	} {
		if a, err := ParseDecimal(c.s, c.cur); err == nil {
			t.Errorf("%s: ParseDecimal(%q) = %v, want error", name, c.s, a)
		}
	}
	if _, err := ParseCurrency("eur"); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("lower-case code accepted: %v", err)
	}
}

// FuzzParseDecimal: whatever parses formats back to the same value.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"12.34", "0", "1.", "99999999999999999999", "1.234", "-1"} {
		f.Add(s, "EUR")
	}
	f.Add("1200", "JPY")
	f.Add("1.234", "KWD")
	f.Fuzz(func(t *testing.T, s, cur string) {
		c, err := ParseCurrency(cur)
		if err != nil {
			return
		}
		a, err := ParseDecimal(s, c)
		if err != nil {
			return
		}
		b, err := ParseDecimal(a.Decimal(), c)
		if err != nil || b != a {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, a.Minor, a.Decimal(), b.Minor, err)
		}
	})
}
