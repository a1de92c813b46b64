package mfa

import (
	"crypto/sha1"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyTOTP feeds arbitrary codes to VerifyTOTP: it must never panic,
// and accepts only what parses to six ASCII digits equal to the code of
// the step it returns.
func FuzzVerifyTOTP(f *testing.F) {
	k := TOTPKey{Secret: []byte(rfcSeed[:20])}
	now := time.Unix(1_111_111_111, 0)
	for _, s := range []string{"050471", "050 471", "", "12345", "1234567", "１２３４５６", "-12345", "\x00\x00\x00\x00\x00\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		step, err := VerifyTOTP(k, code, now, 0)
		parsed, perr := parseDigits(code, 6)
		if perr == nil {
			if again, err := parseDigits(parsed, 6); err != nil || again != parsed {
				t.Fatalf("parse not idempotent: %q -> %q -> %q", code, parsed, again)
			}
		}
		switch {
		case err == nil:
			if perr != nil || hotp(sha1.New, k.Secret, uint64(step), 6) != parsed {
				t.Fatalf("accepted %q at step %d", code, step)
			}
		case errors.Is(err, ErrMalformedCode) != (perr != nil):
			t.Fatalf("VerifyTOTP(%q) = %v but parse error %v", code, err, perr)
		}
	})
}

// FuzzNormalizeRecoveryCode: never panics; whatever it accepts is ten
// alphabet characters, normalizes to itself, and survives being formatted
// for display.
func FuzzNormalizeRecoveryCode(f *testing.F) {
	for _, s := range []string{"ABCDE-FGHJK", " abcde fghjk ", "", "abcde-fghj0", "abcde-fghj\u212a", "----------"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeRecoveryCode(s)
		if err != nil {
			if n != "" {
				t.Fatalf("error with output %q", n)
			}
			return
		}
		if len(n) != recoveryLen || strings.Trim(n, recoveryAlphabet) != "" {
			t.Fatalf("%q normalized to %q", s, n)
		}
		for _, v := range []string{n, n[:5] + "-" + n[5:], strings.ToUpper(n)} {
			if again, err := NormalizeRecoveryCode(v); err != nil || again != n {
				t.Fatalf("%q -> %q, but %q -> %q, %v", s, n, v, again, err)
			}
		}
	})
}

// TestForbiddenImports keeps predictable randomness out of the package.
func TestForbiddenImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{`"math/rand"`, `"math/rand/v2"`} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s imports %s", name, bad)
			}
		}
	}
}
