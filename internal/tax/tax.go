// Package tax knows the consumption-tax rate of each destination Citadel
// ships to, in basis points (1,900 bps is 19 %), and how a tax amount is
// rounded. Order totals are assembled in internal/order; this package only
// answers "what rate applies" and "how much tax on this amount".
//
// The table holds each country's standard VAT rate for goods sold to
// consumers. Out of scope, on purpose: reduced rates (books, food),
// business-to-business reverse charge, import thresholds, and US sales
// tax, which is set per state, county and city. The United States is
// listed at 0 bps, meaning "Citadel does not collect it"; a merchant
// selling there must account for it outside the platform. Shipping is
// taxed at the same standard rate as the goods.
package tax

import (
	"errors"
	"fmt"

	"github.com/citadel-store/citadel/internal/money"
)

// ErrUnsupportedCountry means Citadel has no tax rate for the destination
// and cannot sell there; callers answer 422 naming the country field.
var ErrUnsupportedCountry = errors.New("tax: no tax rate for this destination")

// rates is the standard rate per ISO 3166-1 alpha-2 country, in basis
// points, as of 2025. Keep it sorted by country.
var rates = map[string]int64{
	"AT": 2000,
	"BE": 2100,
	"CH": 810,
	"DE": 1900,
	"DK": 2500,
	"ES": 2100,
	"FR": 2000,
	"GB": 2000,
	"IE": 2300,
	"IT": 2200,
	"NL": 2100,
	"SE": 2500,
	"US": 0, // sales tax is out of scope: see the package comment
}

// Rate returns the standard rate for deliveries to country, in basis
// points.
func Rate(country string) (int64, error) {
	bps, ok := rates[country]
	if !ok {
		return 0, fmt.Errorf("%w: %.8q", ErrUnsupportedCountry, country)
	}
	return bps, nil
}

// Supported reports whether country has a rate.
func Supported(country string) bool { _, ok := rates[country]; return ok }

// On returns the tax on a net amount at bps, rounded to the minor unit
// with halves away from zero (money.Amount.Rate). Callers apply it to
// each order line and to shipping separately and add the rounded
// results: the tax shown on each line is the tax charged.
func On(net money.Amount, bps int64) (money.Amount, error) {
	return net.Rate(bps)
}
