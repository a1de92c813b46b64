// Package shipping prices delivery: a few methods, a fee per destination
// zone and currency, and free standard delivery above a threshold. The fee
// table lives in code (fees change with a release, and a reviewer sees
// them in the diff); every fee is in the order's own currency, so no
// exchange rate is ever applied.
package shipping

import (
	"errors"
	"fmt"

	"github.com/citadel-store/citadel/internal/money"
)

// Method is a way of delivering an order.
type Method string

const (
	Standard Method = "standard"
	Express  Method = "express"
)

// methods is the display order.
var methods = []Method{Standard, Express}

// ParseMethod accepts exactly a known method name.
func ParseMethod(s string) (Method, error) {
	for _, m := range methods {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("%w: %.16q", ErrUnknownMethod, s)
}

// Errors callers tell apart. Each describes a request that cannot be
// priced: answer 422 naming the field (country, shipping method, or the
// cart's currency).
var (
	ErrUnknownMethod       = errors.New("shipping: unknown shipping method")
	ErrUnsupportedCountry  = errors.New("shipping: no delivery to this country")
	ErrUnsupportedCurrency = errors.New("shipping: no delivery fees in this currency")
)

// zoneOf maps each destination to its fee zone.
var zoneOf = map[string]string{
	"AT": "eu", "BE": "eu", "DE": "eu", "DK": "eu", "ES": "eu", "FR": "eu",
	"IE": "eu", "IT": "eu", "NL": "eu", "SE": "eu",
	"CH": "ch",
	"GB": "gb",
	"US": "us",
}

// fee is one zone's prices in one currency, in minor units. freeAbove is
// the subtotal from which standard delivery costs nothing (0: never free).
type fee struct {
	standard, express, freeAbove int64
}

var fees = map[string]map[money.Currency]fee{
	"eu": {"EUR": {490, 1290, 5000}, "GBP": {450, 1150, 4500}, "USD": {550, 1450, 6000}, "CHF": {550, 1400, 6000}},
	"ch": {"EUR": {990, 1990, 10000}, "GBP": {890, 1790, 9000}, "USD": {1090, 2190, 11000}, "CHF": {700, 1500, 8000}},
	"gb": {"EUR": {690, 1590, 7500}, "GBP": {399, 999, 4000}, "USD": {790, 1790, 8000}, "CHF": {790, 1790, 8000}},
	"us": {"EUR": {1490, 2990, 0}, "GBP": {1290, 2590, 0}, "USD": {899, 2499, 7500}, "CHF": {1590, 3190, 0}},
}

// Option is one method offered for a destination, priced for an order
// below the free-delivery threshold.
type Option struct {
	Method Method
	Fee    money.Amount
	// FreeAbove is the subtotal from which this method is free; nil when
	// it never is.
	FreeAbove *money.Amount
}

func lookup(country string, c money.Currency) (fee, error) {
	zone, ok := zoneOf[country]
	if !ok {
		return fee{}, fmt.Errorf("%w: %.8q", ErrUnsupportedCountry, country)
	}
	f, ok := fees[zone][c]
	if !ok {
		return fee{}, fmt.Errorf("%w: %.8q", ErrUnsupportedCurrency, string(c))
	}
	return f, nil
}

// Methods lists the methods offered for country with their fees in
// currency c.
func Methods(country string, c money.Currency) ([]Option, error) {
	f, err := lookup(country, c)
	if err != nil {
		return nil, err
	}
	out := make([]Option, 0, len(methods))
	for _, m := range methods {
		o := Option{Method: m, Fee: money.New(f.price(m), c)}
		if m == Standard && f.freeAbove > 0 {
			a := money.New(f.freeAbove, c)
			o.FreeAbove = &a
		}
		out = append(out, o)
	}
	return out, nil
}

// Quote returns the fee for delivering an order whose goods subtotal is
// subtotal to country by method, in the subtotal's currency. Standard
// delivery is free when the subtotal reaches the zone's threshold.
func Quote(country string, m Method, subtotal money.Amount) (money.Amount, error) {
	if _, err := ParseMethod(string(m)); err != nil {
		return money.Amount{}, err
	}
	f, err := lookup(country, subtotal.Currency)
	if err != nil {
		return money.Amount{}, err
	}
	if m == Standard && f.freeAbove > 0 && subtotal.Minor >= f.freeAbove {
		return money.New(0, subtotal.Currency), nil
	}
	return money.New(f.price(m), subtotal.Currency), nil
}

func (f fee) price(m Method) int64 {
	if m == Express {
		return f.express
	}
	return f.standard
}
