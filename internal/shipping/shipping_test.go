package shipping

import (
	"errors"
	"testing"

	"github.com/citadel-store/citadel/internal/money"
)

func TestQuote(t *testing.T) {
	eur := func(m int64) money.Amount { return money.New(m, "EUR") }
	for _, c := range []struct {
		name     string
		country  string
		method   Method
		subtotal money.Amount
		want     money.Amount
		err      error
	}{
		{"standard-eu", "DE", Standard, eur(1000), eur(490), nil},
		{"express-eu", "FR", Express, eur(1000), eur(1290), nil},
		{"free-at-threshold", "DE", Standard, eur(5000), eur(0), nil},
		{"just-below-threshold", "DE", Standard, eur(4999), eur(490), nil},
		{"express-never-free", "DE", Express, eur(100000), eur(1290), nil},
		{"gbp-to-gb", "GB", Standard, money.New(1000, "GBP"), money.New(399, "GBP"), nil},
		{"us-eur-never-free", "US", Standard, eur(1000000), eur(1490), nil},
		{"fail/unknown-method", "DE", Method("drone"), eur(1000), money.Amount{}, ErrUnknownMethod},
		{"fail/empty-method", "DE", Method(""), eur(1000), money.Amount{}, ErrUnknownMethod},
		{"fail/unsupported-country", "XX", Standard, eur(1000), money.Amount{}, ErrUnsupportedCountry},
		{"fail/lower-case-country", "de", Standard, eur(1000), money.Amount{}, ErrUnsupportedCountry},
		{"fail/unsupported-currency", "DE", Standard, money.New(1000, "JPY"), money.Amount{}, ErrUnsupportedCurrency},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Quote(c.country, c.method, c.subtotal)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v; want %v", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("Quote = %v, %v; want %v", got, err, c.want)
			}
		})
	}
}

func TestMethods(t *testing.T) {
	opts, err := Methods("DE", "EUR")
	if err != nil || len(opts) != 2 {
		t.Fatalf("Methods = %v, %v", opts, err)
	}
	if opts[0].Method != Standard || opts[0].FreeAbove == nil || *opts[0].FreeAbove != money.New(5000, "EUR") {
		t.Errorf("standard option = %+v", opts[0])
	}
	if opts[1].Method != Express || opts[1].FreeAbove != nil {
		t.Errorf("express option = %+v", opts[1])
	}
	if _, err := Methods("XX", "EUR"); !errors.Is(err, ErrUnsupportedCountry) {
		t.Errorf("unsupported country: %v", err)
	}
}

// Every destination with a shipping zone has fees in every currency the
// table offers for any zone, so a merchant's currency never works for
// one zone and fails for another.
func TestTableComplete(t *testing.T) {
	currencies := map[money.Currency]bool{}
	for _, byCur := range fees {
		for c := range byCur {
			currencies[c] = true
		}
	}
	for country, zone := range zoneOf {
		if _, ok := fees[zone]; !ok {
			t.Errorf("%s: zone %s has no fees", country, zone)
		}
		for c := range currencies {
			if _, ok := fees[zone][c]; !ok {
				t.Errorf("zone %s lacks %s", zone, c)
			}
		}
	}
}
