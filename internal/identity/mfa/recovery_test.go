package mfa

import (
	"bytes"
	"strings"
	"testing"
)

func TestRecoveryCodes(t *testing.T) {
	key := []byte("server-side recovery key")
	for _, k := range [][]byte{nil, key} {
		plain, hashes := NewRecoveryCodes()
		if len(plain) != 10 || len(hashes) != 10 {
			t.Fatalf("got %d codes, %d hashes", len(plain), len(hashes))
		}
		if k != nil { // what a caller with a key stores instead
			for i, p := range plain {
				hashes[i] = HashRecoveryCode(k, p)
			}
		}
		seen := map[string]bool{}
		for i, p := range plain {
			if len(p) != 11 || p[5] != '-' {
				t.Fatalf("code %q not formatted xxxxx-xxxxx", p)
			}
			for _, c := range strings.ReplaceAll(p, "-", "") {
				if !strings.ContainsRune(recoveryAlphabet, c) || strings.ContainsRune("0o1liOI", c) {
					t.Fatalf("code %q has character %q outside the alphabet", p, c)
				}
			}
			if seen[p] {
				t.Fatalf("duplicate code %q", p)
			}
			seen[p] = true
			idx, ok := MatchRecoveryCode(k, strings.ToUpper(p), hashes)
			if !ok || idx != i {
				t.Fatalf("code %d matched at %d, %v", i, idx, ok)
			}
			// The caller removes a used code; it then never matches again.
			hashes[i] = nil
			if idx, ok := MatchRecoveryCode(k, p, hashes); ok {
				t.Fatalf("used code %d matched again at %d", i, idx)
			}
		}
	}
}

func TestMatchRecoveryCodeFailures(t *testing.T) {
	plain, hashes := NewRecoveryCodes()
	wrong := "zzzzz-zzzzz"
	if plain[0] == wrong {
		t.Skip("astronomically unlikely")
	}
	tests := []struct {
		name   string
		key    []byte
		code   string
		hashes [][]byte
	}{
		{"fail/wrong-code", nil, wrong, hashes},
		{"fail/malformed", nil, plain[0] + "x", hashes},
		{"fail/empty", nil, "", hashes},
		{"fail/wrong-key", []byte("k"), plain[0], hashes},
		{"fail/no-hashes", nil, plain[0], nil},
		{"fail/truncated-hash", nil, plain[0], [][]byte{hashes[0][:16]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if idx, ok := MatchRecoveryCode(tc.key, tc.code, tc.hashes); ok || idx != -1 {
				t.Fatalf("MatchRecoveryCode = %d, %v; want -1, false", idx, ok)
			}
		})
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	for _, in := range []string{"ABCDE-FGHJK", " abcde fghjk ", "abcdefghjk", "aBcDe--FgHjK"} {
		if got, err := NormalizeRecoveryCode(in); err != nil || got != "abcdefghjk" {
			t.Errorf("Normalize(%q) = %q, %v", in, got, err)
		}
	}
	bad := []string{"", "abcde-fghj", "abcde-fghjkm", "abcde-fghj0", "abcde-fghjo", "abcde-fghj1",
		"abcde-fghjl", "abcde-fghjI", "abcde_fghjk", "abcde-fghj\u212a" /* Kelvin sign */, strings.Repeat(" ", 100) + "abcdefghjk"}
	for _, in := range bad {
		if got, err := NormalizeRecoveryCode(in); err != ErrMalformedCode {
			t.Errorf("Normalize(%q) = %q, %v; want ErrMalformedCode", in, got, err)
		}
	}
	// The same code hashes the same in any accepted spelling.
	if !bytes.Equal(HashRecoveryCode(nil, "ABCDE-FGHJK"), HashRecoveryCode(nil, "abcdefghjk")) {
		t.Error("hash depends on spelling")
	}
}

func TestOTP(t *testing.T) {
	leadingZero := 0
	var digitCount [10]int
	for range 2000 {
		code, hash := NewOTP()
		if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("code %q is not six ASCII digits", code)
		}
		for _, c := range code {
			digitCount[c-'0']++
		}
		if code[0] == '0' {
			leadingZero++
		}
		if !CheckOTP(code, hash) || !CheckOTP(code[:3]+" "+code[3:], hash) {
			t.Fatalf("CheckOTP refused its own code %q", code)
		}
	}
	// Expect ~200 leading zeros and ~1200 of each digit.
	if leadingZero < 100 || leadingZero > 300 {
		t.Errorf("%d of 2000 codes start with 0", leadingZero)
	}
	for d, n := range digitCount {
		if n < 1000 || n > 1400 {
			t.Errorf("digit %d appears %d times of 12000", d, n)
		}
	}
}

func TestCheckOTPFailures(t *testing.T) {
	code, hash := NewOTP()
	other := []byte{'0' + (code[5]-'0'+1)%10}
	wrong := code[:5] + string(other)
	otherCode, otherHash := NewOTP()
	if otherCode == code {
		otherCode, otherHash = NewOTP() // one in a million; twice is not a concern
	}
	tests := []struct {
		name string
		code string
		hash []byte
	}{
		{"fail/wrong-code", wrong, hash},
		{"fail/other-hash", code, otherHash},
		{"fail/malformed-5-digits", code[:5], hash},
		{"fail/malformed-unicode", "１２３４５６", hash},
		{"fail/truncated-hash", code, hash[:len(hash)-1]},
		{"fail/nil-hash", code, nil},
		{"fail/salt-only", code, hash[:16]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if CheckOTP(tc.code, tc.hash) {
				t.Fatal("CheckOTP accepted")
			}
		})
	}
}
