// Package money holds Citadel's one representation of money: an integer
// count of a currency's minor units (cents, pence, yen) with its ISO-4217
// code. There are no floats anywhere on a money path. Every arithmetic
// step checks for overflow and for mixed currencies, and the one place
// that rounds (Rate) states its rule.
package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Sentinel errors. Callers answer 400 for each: they describe bad input or
// a request that cannot be priced, never an internal fault.
var (
	ErrCurrencyMismatch = errors.New("money: currencies differ")
	ErrOverflow         = errors.New("money: amount out of range")
	ErrUnknownCurrency  = errors.New("money: unknown currency")
	ErrBadAmount        = errors.New("money: not a valid amount")
)

// Currency is an ISO-4217 alphabetic code Citadel knows the exponent of.
// Only ParseCurrency makes one from outside text.
type Currency string

// exponents lists the currencies Citadel accepts, with how many decimal
// places their minor unit has (ISO 4217).
var exponents = map[Currency]int{
	"USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "SEK": 2,
	"NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "NZD": 2, "SGD": 2, "HKD": 2,
	"JPY": 0, "KRW": 0, "ISK": 0,
	"KWD": 3, "BHD": 3, "JOD": 3,
}

// ParseCurrency accepts exactly a known three-letter upper-case code.
func ParseCurrency(s string) (Currency, error) {
	c := Currency(s)
	if _, ok := exponents[c]; !ok {
		return "", fmt.Errorf("%w: %.8q", ErrUnknownCurrency, s)
	}
	return c, nil
}

// Exponent is the number of decimal places of the currency's minor unit.
func (c Currency) Exponent() int { return exponents[c] }

// Valid reports whether c is a currency Citadel knows.
func (c Currency) Valid() bool { _, ok := exponents[c]; return ok }

// Amount is Minor units of Currency. The zero Amount has no currency and
// is only valid as "nothing yet" for Sum.
type Amount struct {
	Minor    int64
	Currency Currency
}

// New returns minor units of c.
func New(minor int64, c Currency) Amount { return Amount{Minor: minor, Currency: c} }

// Add returns a+b, refusing mixed currencies and overflow.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("%w: %s and %s", ErrCurrencyMismatch, a.Currency, b.Currency)
	}
	s := a.Minor + b.Minor
	if (b.Minor > 0 && s < a.Minor) || (b.Minor < 0 && s > a.Minor) {
		return Amount{}, ErrOverflow
	}
	return Amount{s, a.Currency}, nil
}

// Sub returns a-b, refusing mixed currencies and overflow.
func (a Amount) Sub(b Amount) (Amount, error) {
	if b.Minor == math.MinInt64 {
		return Amount{}, ErrOverflow
	}
	return a.Add(Amount{-b.Minor, b.Currency})
}

// Neg returns -a.
func (a Amount) Neg() (Amount, error) {
	if a.Minor == math.MinInt64 {
		return Amount{}, ErrOverflow
	}
	return Amount{-a.Minor, a.Currency}, nil
}

// Mul returns a times a whole quantity, refusing overflow.
func (a Amount) Mul(q int64) (Amount, error) {
	if a.Minor == 0 || q == 0 {
		return Amount{0, a.Currency}, nil
	}
	p := a.Minor * q
	if p/q != a.Minor || (a.Minor == -1 && q == math.MinInt64) || (q == -1 && a.Minor == math.MinInt64) {
		return Amount{}, ErrOverflow
	}
	return Amount{p, a.Currency}, nil
}

// Rate returns a times bps/10,000 (basis points: 1,000 bps is 10 %),
// rounded to the nearest minor unit with halves rounded away from zero
// (the common commercial rule for tax and fees: 0.5 cent becomes 1 cent,
// -0.5 becomes -1). The product is computed exactly before rounding.
func (a Amount) Rate(bps int64) (Amount, error) {
	if bps < 0 || bps > 1_000_000 {
		return Amount{}, fmt.Errorf("%w: rate %d bps", ErrBadAmount, bps)
	}
	neg := a.Minor < 0
	m := a.Minor
	if neg {
		if m == math.MinInt64 {
			return Amount{}, ErrOverflow
		}
		m = -m
	}
	// m*bps may overflow int64: split m into quotient and remainder of 10,000.
	q, r := m/10_000, m%10_000
	hi := q * bps
	if q != 0 && hi/q != bps {
		return Amount{}, ErrOverflow
	}
	lo := r * bps // < 10,000 * 1,000,000: fits
	res := hi + lo/10_000
	if lo%10_000 >= 5_000 {
		res++
	}
	if res < 0 {
		return Amount{}, ErrOverflow
	}
	if neg {
		res = -res
	}
	return Amount{res, a.Currency}, nil
}

// IsZero reports whether the amount is zero.
func (a Amount) IsZero() bool { return a.Minor == 0 }

// Sum adds amounts of one currency. With no amounts it returns the zero
// amount of c.
func Sum(c Currency, as ...Amount) (Amount, error) {
	total := Amount{0, c}
	for _, a := range as {
		var err error
		if total, err = total.Add(a); err != nil {
			return Amount{}, err
		}
	}
	return total, nil
}

// String formats the amount in major units with the currency's decimal
// places and its code: "12.34 EUR", "-0.05 USD", "1200 JPY".
func (a Amount) String() string {
	return a.Decimal() + " " + string(a.Currency)
}

// Decimal is the amount in major units without the code: "12.34".
func (a Amount) Decimal() string {
	e := a.Currency.Exponent()
	neg := a.Minor < 0
	u := uint64(a.Minor)
	if neg {
		u = uint64(-(a.Minor + 1)) + 1
	}
	s := strconv.FormatUint(u, 10)
	if e > 0 {
		if len(s) <= e {
			s = strings.Repeat("0", e-len(s)+1) + s
		}
		s = s[:len(s)-e] + "." + s[len(s)-e:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseDecimal reads a decimal amount in major units ("12.34", "12",
// "0.5") of currency c. It refuses signs, exponents, separators, more
// decimal places than the currency has (a fraction of a minor unit is an
// error, never rounded), and values out of range.
func ParseDecimal(s string, c Currency) (Amount, error) {
	if !c.Valid() {
		return Amount{}, ErrUnknownCurrency
	}
	bad := fmt.Errorf("%w: %.24q (write it like 12.34)", ErrBadAmount, s)
	if s == "" || len(s) > 24 {
		return Amount{}, bad
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	e := c.Exponent()
	if whole == "" || (hasDot && (frac == "" || e == 0)) || !digits(whole) || !digits(frac) {
		return Amount{}, bad
	}
	if len(frac) > e {
		return Amount{}, fmt.Errorf("%w: %.24q has more than %d decimal places for %s", ErrBadAmount, s, e, c)
	}
	frac += strings.Repeat("0", e-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return Amount{}, fmt.Errorf("%w: %.24q is too large", ErrOverflow, s)
	}
	return Amount{v, c}, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
