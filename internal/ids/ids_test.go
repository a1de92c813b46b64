package ids

import "testing"

func TestNewAndValid(t *testing.T) {
	a, b := New("ord"), New("ord")
	if a == b || !Valid("ord", a) {
		t.Fatalf("New: %q %q", a, b)
	}
	for _, bad := range []string{"", "ord_", "acc_" + a[4:], a + "x", "ord_0000000000000000000000000"} {
		if Valid("ord", bad) {
			t.Errorf("Valid(%q) = true", bad)
		}
	}
	if len(Token(32)) < 50 {
		t.Fatal("token too short")
	}
}

func FuzzValid(f *testing.F) {
	f.Add("ord_aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Fuzz(func(t *testing.T, s string) { Valid("ord", s) })
}
