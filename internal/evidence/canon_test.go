package evidence

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

type vector struct {
	line    int
	verb    string
	in, out []byte
}

// readVectors parses testdata/canonical.txt strictly: an unknown verb or
// a bad literal fails the test rather than skipping a vector.
func readVectors(t testing.TB) []vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/canonical.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []vector
	for i, line := range strings.Split(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		v := vector{line: i + 1, verb: f[0]}
		want := map[string]int{"canonical": 2, "encode": 3, "malformed": 2}[v.verb]
		if want == 0 || len(f) != want {
			t.Fatalf("canonical.txt:%d: bad vector %q", i+1, line)
		}
		in, err := strconv.Unquote(f[1])
		if err != nil {
			t.Fatalf("canonical.txt:%d: input: %v", i+1, err)
		}
		v.in = []byte(in)
		if want == 3 {
			o, err := strconv.Unquote(f[2])
			if err != nil {
				t.Fatalf("canonical.txt:%d: output: %v", i+1, err)
			}
			v.out = []byte(o)
		}
		out = append(out, v)
	}
	if len(out) < 50 {
		t.Fatalf("only %d vectors", len(out))
	}
	return out
}

func TestCanonicalVectors(t *testing.T) {
	for _, v := range readVectors(t) {
		got, err := ParseCanonical(v.in)
		switch v.verb {
		case "canonical":
			if err != nil {
				t.Errorf("line %d: ParseCanonical(%q): %v", v.line, v.in, err)
				continue
			}
			enc, err := Canonical(got)
			if err != nil || !bytes.Equal(enc, v.in) {
				t.Errorf("line %d: Canonical(ParseCanonical(%q)) = %q, %v", v.line, v.in, enc, err)
			}
		case "encode":
			if !errors.Is(err, ErrNotCanonical) {
				t.Errorf("line %d: ParseCanonical(%q) = %v, want ErrNotCanonical", v.line, v.in, err)
			}
			lv, err := parse(v.in, true)
			if err != nil {
				t.Errorf("line %d: lenient parse(%q): %v", v.line, v.in, err)
				continue
			}
			enc, err := Canonical(lv)
			if err != nil || !bytes.Equal(enc, v.out) {
				t.Errorf("line %d: Canonical(%q) = %q, %v; want %q", v.line, v.in, enc, err, v.out)
			}
			if _, err := ParseCanonical(v.out); err != nil {
				t.Errorf("line %d: the output %q is not canonical: %v", v.line, v.out, err)
			}
		case "malformed":
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("line %d: ParseCanonical(%q) = %v, want ErrMalformed", v.line, v.in, err)
			}
			if _, err := parse(v.in, true); err == nil {
				t.Errorf("line %d: lenient parse accepted %q", v.line, v.in)
			}
		}
	}
}

func TestCanonicalEncode(t *testing.T) {
	type tagged struct {
		B string `json:"b"`
		A int64  `json:"a"`
		C []int  `json:"c"`
	}
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"map sorted", map[string]any{"b": 1, "a": []any{"x", nil, true}}, `{"a":["x",null,true],"b":1}`},
		{"integer types", []any{int8(-8), uint16(16), int32(-32), uint32(32), int64(MaxInteger), uint64(7), uint(0)}, `[-8,16,-32,32,9007199254740991,7,0]`},
		{"struct through encoding/json", tagged{B: "<&>", A: 2, C: []int{3}}, `{"a":2,"b":"<&>","c":[3]}`},
		{"nested struct", map[string]any{"t": tagged{}}, `{"t":{"a":0,"b":"","c":null}}`},
		{"string slice", []string{"b", "a"}, `["b","a"]`},
		{"digest marshals as text", map[string]any{"d": Digest{}.String()}, `{"d":"0000000000000000000000000000000000000000000000000000000000000000"}`},
	} {
		got, err := Canonical(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: Canonical = %s, %v; want %s", tc.name, got, err, tc.want)
		}
	}
}

func TestCanonicalRefuses(t *testing.T) {
	deep := any(map[string]any{})
	for range MaxDepth {
		deep = []any{deep}
	}
	for _, tc := range []struct {
		name string
		in   any
	}{
		{"fail/float", 1.5},
		{"fail/whole-float", float64(2)},
		{"fail/float32-in-map", map[string]any{"a": float32(1)}},
		{"fail/too-large", int64(MaxInteger + 1)},
		{"fail/too-small", int64(-MaxInteger - 1)},
		{"fail/uint64", uint64(1 << 60)},
		{"fail/invalid-utf8-string", "\xff"},
		{"fail/invalid-utf8-key", map[string]any{"\xc3": 1}},
		{"fail/too-deep", deep},
		{"fail/too-large-output", strings.Repeat("a", MaxSize)},
		{"fail/struct-with-big-int", struct{ N int64 }{1 << 62}},
		{"fail/unmarshalable", make(chan int)},
	} {
		if _, err := Canonical(tc.in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", tc.name, err)
		}
	}
}

func TestParseLimits(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := ParseCanonical([]byte(ok)); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	deep := "[" + ok + "]"
	if _, err := ParseCanonical([]byte(deep)); !errors.Is(err, ErrMalformed) {
		t.Errorf("depth %d: %v, want ErrMalformed", MaxDepth+1, err)
	}
	big := `"` + strings.Repeat("a", MaxSize-1) + `"`
	if _, err := ParseCanonical([]byte(big)); !errors.Is(err, ErrMalformed) {
		t.Errorf("%d bytes: %v, want ErrMalformed", len(big), err)
	}
}

// TestKeyOrder checks compareKeys against the UTF-16 encoding itself.
func TestKeyOrder(t *testing.T) {
	keys := []string{"", "a", "aa", "b", "A", "é", "\ue000", "\uffff", "\U00010000", "\U0001F600", "a\U0001F600", "a\ue000", "\u007f", "\u0080"}
	for _, a := range keys {
		for _, b := range keys {
			got := compareKeys(a, b)
			want := compareUTF16(a, b)
			if (got < 0) != (want < 0) || (got == 0) != (want == 0) {
				t.Errorf("compareKeys(%q, %q) = %d, want sign of %d", a, b, got, want)
			}
		}
	}
}

func compareUTF16(a, b string) int {
	ua, ub := utf16Units(a), utf16Units(b)
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3ff)))
		} else {
			out = append(out, uint16(r))
		}
	}
	return out
}
