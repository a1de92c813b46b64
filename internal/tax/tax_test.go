package tax

import (
	"errors"
	"testing"

	"github.com/citadel-store/citadel/internal/money"
)

func TestRate(t *testing.T) {
	for country, want := range map[string]int64{"DE": 1900, "FR": 2000, "GB": 2000, "US": 0, "CH": 810} {
		if got, err := Rate(country); err != nil || got != want {
			t.Errorf("Rate(%s) = %d, %v; want %d", country, got, err, want)
		}
	}
	for _, bad := range []string{"", "de", "XX", "DEU", "D"} {
		if _, err := Rate(bad); !errors.Is(err, ErrUnsupportedCountry) {
			t.Errorf("Rate(%q) = %v; want ErrUnsupportedCountry", bad, err)
		}
	}
}

func TestOnRoundsHalfAwayFromZero(t *testing.T) {
	for _, c := range []struct{ net, bps, want int64 }{
		{1000, 1900, 190},
		{5, 1000, 1},      // 0.5 -> 1
		{4, 1000, 0},      // 0.4 -> 0
		{1999, 1900, 380}, // 379.81 -> 380
		{2631, 1900, 500}, // 499.89 -> 500
		{1, 810, 0},
		{0, 2000, 0},
	} {
		got, err := On(money.New(c.net, "EUR"), c.bps)
		if err != nil || got != money.New(c.want, "EUR") {
			t.Errorf("On(%d, %d) = %v, %v; want %d", c.net, c.bps, got, err, c.want)
		}
	}
}
