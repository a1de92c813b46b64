package order

import (
	"errors"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/tax"
)

// LineInput is what Compute needs of a line.
type LineInput struct {
	UnitPrice money.Amount // net
	Quantity  int
}

// LineTotal is a line's net amount and its tax.
type LineTotal struct {
	Net, Tax money.Amount
}

// Totals is an order's arithmetic, all in one currency.
type Totals struct {
	TaxBPS      int64 // the destination's rate
	Lines       []LineTotal
	Subtotal    money.Amount // Σ line net
	Shipping    money.Amount // net fee, quoted on Subtotal
	ShippingTax money.Amount
	Tax         money.Amount // Σ line tax + ShippingTax
	Total       money.Amount // Subtotal + Shipping + Tax
}

// Compute is the one place an order's amounts are worked out:
//
//	line net     = unit price × quantity                    (exact)
//	line tax     = line net × rate, rounded per line        (half away from zero)
//	subtotal     = Σ line net
//	shipping     = shipping.Quote(country, method, subtotal) (free standard above a threshold)
//	shipping tax = shipping × rate, rounded
//	tax          = Σ line tax + shipping tax
//	total        = subtotal + shipping + tax
//
// Rounding each line (rather than the sum) means the tax printed on every
// line adds up to the tax charged. Every step refuses overflow and mixed
// currencies.
func Compute(lines []LineInput, country string, method shipping.Method) (Totals, error) {
	if len(lines) == 0 {
		return Totals{}, errors.New("order: no lines to total")
	}
	bps, err := tax.Rate(country)
	if err != nil {
		return Totals{}, err
	}
	cur := lines[0].UnitPrice.Currency
	t := Totals{TaxBPS: bps, Subtotal: money.New(0, cur), Tax: money.New(0, cur)}
	for _, l := range lines {
		if l.Quantity <= 0 || l.UnitPrice.Minor < 0 {
			return Totals{}, errors.New("order: a line needs a positive quantity and a price of at least 0")
		}
		var lt LineTotal
		if lt.Net, err = l.UnitPrice.Mul(int64(l.Quantity)); err != nil {
			return Totals{}, err
		}
		if lt.Tax, err = tax.On(lt.Net, bps); err != nil {
			return Totals{}, err
		}
		if t.Subtotal, err = t.Subtotal.Add(lt.Net); err != nil {
			return Totals{}, err
		}
		if t.Tax, err = t.Tax.Add(lt.Tax); err != nil {
			return Totals{}, err
		}
		t.Lines = append(t.Lines, lt)
	}
	if t.Shipping, err = shipping.Quote(country, method, t.Subtotal); err != nil {
		return Totals{}, err
	}
	if t.ShippingTax, err = tax.On(t.Shipping, bps); err != nil {
		return Totals{}, err
	}
	if t.Tax, err = t.Tax.Add(t.ShippingTax); err != nil {
		return Totals{}, err
	}
	if t.Total, err = money.Sum(cur, t.Subtotal, t.Shipping, t.Tax); err != nil {
		return Totals{}, err
	}
	return t, nil
}
