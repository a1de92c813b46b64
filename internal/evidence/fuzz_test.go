package evidence

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzCanonical: whatever ParseCanonical accepts, Canonical gives back
// byte for byte (so a document has one form); whatever the lenient reader
// accepts has a canonical form that ParseCanonical accepts and that
// encodes to itself again (encoding is idempotent). Failures are always
// one of the two sentinels.
func FuzzCanonical(f *testing.F) {
	for _, v := range readVectors(f) {
		f.Add(v.in)
	}
	for _, b := range loadGolden(f).files {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseCanonical(b)
		if err == nil {
			out, err := Canonical(v)
			if err != nil || !bytes.Equal(out, b) {
				t.Fatalf("Canonical(ParseCanonical(%q)) = %q, %v", b, out, err)
			}
			checkSpans(t, b)
		} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotCanonical) {
			t.Fatalf("ParseCanonical(%q): %v wraps neither sentinel", b, err)
		}
		lv, err := parse(b, true)
		if err != nil {
			return
		}
		c, err := Canonical(lv)
		if err != nil {
			if len(b) > MaxSize/2 { // escaping can outgrow the limit
				return
			}
			t.Fatalf("Canonical(lenient %q): %v", b, err)
		}
		cv, err := ParseCanonical(c)
		if err != nil {
			t.Fatalf("the canonical form %q of %q does not parse: %v", c, b, err)
		}
		again, err := Canonical(cv)
		if err != nil || !bytes.Equal(again, c) {
			t.Fatalf("encoding is not idempotent: %q then %q", c, again)
		}
	})
}

// FuzzVerifyReceipt: the verifier never panics and accepts nothing but
// the golden receipts themselves: the fuzzer, holding no key, cannot make
// another receipt that verifies, so anything else it accepts is a
// mutation let through.
func FuzzVerifyReceipt(f *testing.F) {
	g := loadGolden(f)
	valid := map[string]bool{}
	for _, n := range goldenReceipts {
		b := g.files[n]
		valid[string(b)] = true
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	for _, s := range []string{"", "{}", "null", `{"acceptances":[],"format":"citadel-receipt/v1","receipt":{},"signature":{"key_id":"","sig":""}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := VerifyReceipt(b, g.pub)
		if err == nil {
			if !valid[string(b)] {
				t.Fatalf("VerifyReceipt accepted a file that is not one of the golden receipts: %q", b)
			}
			if p == nil {
				t.Fatal("no proof")
			}
			return
		}
		if p != nil || !errors.Is(err, ErrVerify) {
			t.Fatalf("VerifyReceipt(%q) = %v, %v; want nil and ErrVerify", b, p, err)
		}
	})
}

// FuzzVerifyContract is FuzzVerifyReceipt for contract files.
func FuzzVerifyContract(f *testing.F) {
	g := loadGolden(f)
	valid := g.files[goldenContract]
	f.Add(valid)
	f.Add(valid[:len(valid)/3])
	f.Add([]byte(`{"contract":{},"format":"citadel-contract/v1","signature":{"key_id":"","sig":""}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := VerifyContract(b, g.roots, g.pub)
		if err == nil {
			if !bytes.Equal(b, valid) {
				t.Fatalf("VerifyContract accepted a file that is not the golden contract: %q", b)
			}
			return
		}
		if p != nil || !errors.Is(err, ErrVerify) {
			t.Fatalf("VerifyContract(%q) = %v, %v; want nil and ErrVerify", b, p, err)
		}
	})
}

// checkSpans: every node's bytes are the canonical encoding of its
// value, which is what lets the verifiers hash and check signatures over
// parts of a file without encoding them again.
func checkSpans(t *testing.T, b []byte) {
	tr, err := parseCanonical(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.nodes {
		n := &tr.nodes[i]
		enc, err := Canonical(tr.value(n))
		if err != nil || !bytes.Equal(enc, tr.raw(n)) {
			t.Fatalf("node %d: bytes %q, canonical encoding %q", i, tr.raw(n), enc)
		}
	}
}
