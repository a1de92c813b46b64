package mfa

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
	"image/png"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

var rfcSeed = "1234567890123456789012345678901234567890123456789012345678901234"

// TestRFC6238Vectors runs the Appendix B table (testdata/rfc6238.txt),
// parsed strictly, through hotp and, for SHA-1 with 6 digits, VerifyTOTP.
func TestRFC6238Vectors(t *testing.T) {
	algs := map[string]struct {
		h    func() hash.Hash
		seed int
	}{"SHA1": {sha1.New, 20}, "SHA256": {sha256.New, 32}, "SHA512": {sha512.New, 64}}
	f, err := os.Open("testdata/rfc6238.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, sha1Count := 0, 0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 4 {
			t.Fatalf("line %d: want 4 fields, got %q", line, text)
		}
		unix, err1 := strconv.ParseInt(fields[0], 10, 64)
		step, err2 := strconv.ParseUint(fields[1], 16, 64)
		alg, ok := algs[fields[2]]
		want := fields[3]
		if err1 != nil || err2 != nil || !ok || len(want) != 8 || len(fields[1]) != 16 {
			t.Fatalf("line %d: malformed vector %q", line, text)
		}
		if step != uint64(unix/30) {
			t.Fatalf("line %d: T=%x does not match time %d", line, step, unix)
		}
		if got := hotp(alg.h, []byte(rfcSeed[:alg.seed]), step, 8); got != want {
			t.Errorf("line %d: %s at %d = %s, want %s", line, fields[2], unix, got, want)
		}
		if fields[2] == "SHA1" {
			sha1Count++
			// The 6-digit code is the 8-digit one mod 10^6.
			k := TOTPKey{Secret: []byte(rfcSeed[:20])}
			got, err := VerifyTOTP(k, want[2:], time.Unix(unix, 0), 0)
			if err != nil || got != int64(step) {
				t.Errorf("line %d: VerifyTOTP = %d, %v; want step %d", line, got, err, step)
			}
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 18 || sha1Count != 6 {
		t.Fatalf("read %d vectors (%d SHA1), want 18 (6)", n, sha1Count)
	}
}

func TestVerifyTOTP(t *testing.T) {
	k := NewTOTPKey()
	now := time.Unix(1_750_000_015, 0)
	cur := now.Unix() / 30
	codeAt := func(step int64) string { return hotp(sha1.New, k.Secret, uint64(step), 6) }
	tests := []struct {
		name     string
		code     string
		lastStep int64
		wantStep int64
		wantErr  error
	}{
		{"ok/current-step", codeAt(cur), 0, cur, nil},
		{"ok/previous-step", codeAt(cur - 1), 0, cur - 1, nil},
		{"ok/next-step", codeAt(cur + 1), 0, cur + 1, nil},
		{"ok/spaces", codeAt(cur)[:3] + " " + codeAt(cur)[3:], 0, cur, nil},
		{"ok/after-older-accepted", codeAt(cur), cur - 1, cur, nil},
		{"fail/two-steps-back", codeAt(cur - 2), 0, 0, ErrBadCode},
		{"fail/two-steps-ahead", codeAt(cur + 2), 0, 0, ErrBadCode},
		{"fail/replayed-same-code", codeAt(cur), cur, 0, ErrReplayed},
		{"fail/older-code-after-newer", codeAt(cur - 1), cur + 1, 0, ErrReplayed},
		{"fail/malformed-5-digits", "12345", 0, 0, ErrMalformedCode},
		{"fail/malformed-7-digits", "1234567", 0, 0, ErrMalformedCode},
		{"fail/malformed-letters", "12a456", 0, 0, ErrMalformedCode},
		{"fail/malformed-unicode-digits", "１２３４５６", 0, 0, ErrMalformedCode},
		{"fail/malformed-empty", "", 0, 0, ErrMalformedCode},
		{"fail/malformed-sign", "+12345", 0, 0, ErrMalformedCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VerifyTOTP(k, tc.code, now, tc.lastStep)
			if !errors.Is(err, tc.wantErr) || got != tc.wantStep {
				t.Fatalf("VerifyTOTP(%q) = %d, %v; want %d, %v", tc.code, got, err, tc.wantStep, tc.wantErr)
			}
		})
	}
}

// A code is accepted once; the step it returns, fed back, refuses it and
// every older code.
func TestVerifyTOTPSequence(t *testing.T) {
	k := NewTOTPKey()
	now := time.Unix(1_750_000_000, 0)
	cur := now.Unix() / 30
	step, err := VerifyTOTP(k, hotp(sha1.New, k.Secret, uint64(cur+1), 6), now, 0)
	if err != nil || step != cur+1 {
		t.Fatalf("newer code: %d, %v", step, err)
	}
	for _, s := range []int64{cur - 1, cur, cur + 1} {
		if _, err := VerifyTOTP(k, hotp(sha1.New, k.Secret, uint64(s), 6), now, step); !errors.Is(err, ErrReplayed) {
			t.Errorf("step %d after %d: err = %v, want ErrReplayed", s, step, err)
		}
	}
}

func TestVerifyTOTPRefusesWeakKey(t *testing.T) {
	for _, k := range []TOTPKey{{}, {Secret: make([]byte, 15)}} {
		code := hotp(sha1.New, k.Secret, uint64(time.Now().Unix()/30), 6)
		if _, err := VerifyTOTP(k, code, time.Now(), 0); err == nil {
			t.Errorf("secret of %d bytes accepted", len(k.Secret))
		}
	}
}

func TestURI(t *testing.T) {
	k := NewTOTPKey()
	u, err := url.Parse(k.URI("Citadel Store", "alice@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Citadel Store:alice@example.com" {
		t.Fatalf("URI = %s", u)
	}
	q := u.Query()
	want := map[string]string{"secret": strings.ReplaceAll(k.Base32(), " ", ""), "issuer": "Citadel Store",
		"algorithm": "SHA1", "digits": "6", "period": "30"}
	for name, v := range want {
		if q.Get(name) != v {
			t.Errorf("%s = %q, want %q", name, q.Get(name), v)
		}
	}
	if len(q) != len(want) || strings.Contains(q.Get("secret"), "=") {
		t.Errorf("query = %v", q)
	}
	// A colon inside a name must not be read as the issuer separator.
	u, _ = url.Parse(k.URI("a:b", "c"))
	if u.EscapedPath() != "/a%3Ab:c" {
		t.Errorf("escaped path = %s", u.EscapedPath())
	}
}

func TestFormatSecret(t *testing.T) {
	for in, want := range map[string]string{"": "", "ABC": "ABC", "ABCDEFGH": "ABCD EFGH", "ABCDEFGHI": "ABCD EFGH I"} {
		if got := FormatSecret(in); got != want || FormatSecret(got) != want {
			t.Errorf("FormatSecret(%q) = %q, want %q (idempotent)", in, got, want)
		}
	}
	if b := (TOTPKey{Secret: make([]byte, 20)}).Base32(); b != "AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA" {
		t.Errorf("Base32 = %q", b)
	}
}

func TestQRPNG(t *testing.T) {
	k := NewTOTPKey()
	for req, want := range map[int]int{0: 128, 50: 128, 128: 128, 300: 300, 512: 512, 4096: 512} {
		b, err := k.QRPNG("Citadel", "alice@example.com", req)
		if err != nil {
			t.Fatalf("size %d: %v", req, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("size %d: %v", req, err)
		}
		if r := img.Bounds(); r.Dx() != want || r.Dy() != want {
			t.Errorf("size %d: bounds %v, want %dx%d", req, r, want, want)
		}
		// A QR code is roughly half dark; the corners lie in the quiet zone.
		dark := 0
		for y := range want {
			for x := range want {
				if isDark(img.At(x, y)) {
					dark++
				}
			}
		}
		if frac := float64(dark) / float64(want*want); frac < 0.1 || frac > 0.6 {
			t.Errorf("size %d: %.2f of pixels dark", req, frac)
		}
		for _, p := range [][2]int{{0, 0}, {want - 1, 0}, {0, want - 1}, {want - 1, want - 1}} {
			if isDark(img.At(p[0], p[1])) {
				t.Errorf("size %d: corner %v is dark, want quiet zone", req, p)
			}
		}
	}
}
