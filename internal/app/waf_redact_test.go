package app

import "testing"

func TestRedactDigits(t *testing.T) {
	for in, want := range map[string]string{
		"ARGS:number=4242 4242 4242 4242":     "ARGS:number=#### #### #### ####",
		"ARGS:number=4242-4242-4242-4242 x":   "ARGS:number=####-####-####-#### x",
		"ARGS:q=4242424242424242' or 1=1":     "ARGS:q=################' or 1=1",
		"ARGS:id=1234567 union select 1":      "ARGS:id=1234567 union select 1",
		"ARGS:year=2026 and 12 digits 1234 5": "ARGS:year=2026 and 12 digits 1234 5",
		"":                                    "",
	} {
		if got := redactDigits(in); got != want {
			t.Errorf("redactDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRedactDigits(f *testing.F) {
	f.Add("4242 4242 4242 4242")
	f.Fuzz(func(t *testing.T, s string) {
		out := redactDigits(s)
		if len(out) != len(s) {
			t.Fatalf("length changed: %q -> %q", s, out)
		}
		run := 0
		for i := 0; i < len(out); i++ {
			if out[i] >= '0' && out[i] <= '9' {
				run++
				if run >= 8 {
					t.Fatalf("%q -> %q keeps 8 digits in a row", s, out)
				}
			} else {
				run = 0
			}
		}
	})
}
