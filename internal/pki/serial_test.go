package pki

import (
	"math/big"
	"strings"
	"testing"
)

func TestParseSerial(t *testing.T) {
	t.Parallel()
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 160), big.NewInt(1))
	tests := []struct {
		in   string
		want string // decimal; "" means an error is expected
	}{
		{"662527", "662527"},
		{"0x0a1bff", "662527"},
		{"0X0A1BFF", "662527"},
		{"0a:1b:ff", "662527"},
		{"0A:1B:FF", "662527"},
		{"a:1b:ff", "662527"},
		{"0a1bff", "662527"},
		{"a1bff", "662527"},
		{"  42\n", "42"},
		{"0x1", "1"},
		{strings.Repeat("ff:", 19) + "ff", max.String()},
		{"0x" + strings.Repeat("ff", 20), max.String()},
		{max.String(), max.String()},
		// Failures.
		{"", ""},
		{"   ", ""},
		{"0", ""},
		{"0x0", ""},
		{"00:00", ""},
		{"-5", ""},
		{"+5", ""},
		{"0x", ""},
		{"0xg1", ""},
		{"12g", ""},
		{"1.5", ""},
		{"1e5f:", ""},
		{"0a::1b", ""},
		{":0a", ""},
		{"0a:1b:", ""},
		{"abc:1", ""},
		{"0x-1", ""},
		{"１２", ""},                              // full-width digits
		{"0x01" + strings.Repeat("00", 20), ""}, // 21 octets
		{new(big.Int).Add(max, big.NewInt(1)).String(), ""}, // 2^160
		{strings.Repeat("1", 200), ""},
	}
	for _, tt := range tests {
		name := "ok/" + tt.in
		if tt.want == "" {
			name = "fail/" + tt.in
		}
		t.Run(name, func(t *testing.T) {
			got, err := ParseSerial(tt.in)
			if tt.want == "" {
				wantErr(t, err, ErrInvalidSerial)
				if got != nil {
					t.Errorf("got %v with an error", got)
				}
				return
			}
			wantErr(t, err, nil)
			if got.String() != tt.want {
				t.Errorf("ParseSerial(%q) = %v, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatSerial(t *testing.T) {
	t.Parallel()
	n, _ := new(big.Int).SetString("662527", 10)
	if got := FormatSerial(n); got != "0a:1b:ff" {
		t.Errorf("FormatSerial = %q", got)
	}
	if got := FormatSerial(big.NewInt(17)); got != "0x11" {
		t.Errorf("FormatSerial(17) = %q, want 0x11 (\"11\" would read back as decimal)", got)
	}
	// Issued serials round-trip through the operator's form.
	for i := 0; i < 50; i++ {
		s, err := newSerial()
		mustNil(t, err)
		back, err := ParseSerial(FormatSerial(s))
		if err != nil || back.Cmp(s) != 0 {
			t.Fatalf("round trip of %v: %v %v", s, back, err)
		}
	}
}
