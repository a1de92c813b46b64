package evidence

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The canonical form is RFC 8785 (JSON Canonicalization Scheme) restricted
// to the values money and evidence need, so any JCS implementation
// produces the same bytes:
//
//   - object keys sorted by their UTF-16 code units (as JCS; this differs
//     from byte order only between characters above U+FFFF and those in
//     U+E000..U+FFFF), no duplicate keys;
//   - no whitespace outside strings;
//   - strings in UTF-8 (invalid UTF-8 is refused, never replaced), with
//     only '"', '\\' and the control characters escaped: \b \t \n \f \r
//     by name, the others as \u00xx in lower-case hex; everything else,
//     including U+2028, '<' and '/', written as itself;
//   - numbers are integers only, within ±(2^53-1) so every JSON reader
//     gets them exactly (money is integer minor units; anything larger,
//     such as a 64-bit ID, must be a string), without sign on zero,
//     leading zeros, fraction or exponent; floats are refused, not rounded;
//   - true, false and null as themselves.
//
// Input is at most MaxSize bytes and nests at most MaxDepth arrays and
// objects.
const (
	MaxSize    = 1 << 20
	MaxDepth   = 32
	MaxInteger = 1<<53 - 1
)

// Canonical encodes v in the canonical form. v is built of nil, bool,
// string, the integer types, []any, []string and map[string]any; any other
// value (a struct with json tags, say) is first marshalled by
// encoding/json and then held to the same rules, except that a float
// field whose value happens to be whole passes that way: keep floats out
// of such structs.
func Canonical(v any) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 512)}
	if err := e.value(v, 0); err != nil {
		return nil, err
	}
	if len(e.buf) > MaxSize {
		return nil, fmt.Errorf("%w: encoding is %d bytes, more than %d", ErrMalformed, len(e.buf), MaxSize)
	}
	return e.buf, nil
}

type encoder struct{ buf []byte }

func (e *encoder) value(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case string:
		return e.string(x)
	case int:
		return e.int(int64(x))
	case int64:
		return e.int(x)
	case int32:
		return e.int(int64(x))
	case int16:
		return e.int(int64(x))
	case int8:
		return e.int(int64(x))
	case uint:
		return e.uint(uint64(x))
	case uint64:
		return e.uint(x)
	case uint32:
		return e.int(int64(x))
	case uint16:
		return e.int(int64(x))
	case uint8:
		return e.int(int64(x))
	case float32, float64:
		return fmt.Errorf("%w: float %v (use integer minor units, or a string)", ErrMalformed, x)
	case []any:
		if depth >= MaxDepth {
			return fmt.Errorf("%w: nested deeper than %d", ErrMalformed, MaxDepth)
		}
		e.buf = append(e.buf, '[')
		for i, el := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(el, depth+1); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case []string:
		if depth >= MaxDepth {
			return fmt.Errorf("%w: nested deeper than %d", ErrMalformed, MaxDepth)
		}
		e.buf = append(e.buf, '[')
		for i, s := range x {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.string(s); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case map[string]any:
		return e.object(x, depth)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		parsed, err := parse(b, true)
		if err != nil {
			return fmt.Errorf("%w: %T: %v", ErrMalformed, v, err)
		}
		return e.value(parsed, depth)
	}
	return nil
}

func (e *encoder) object(m map[string]any, depth int) error {
	if depth >= MaxDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrMalformed, MaxDepth)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if !utf8.ValidString(k) {
			return fmt.Errorf("%w: key %q is not UTF-8", ErrMalformed, k)
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.string(k); err != nil {
			return err
		}
		e.buf = append(e.buf, ':')
		if err := e.value(m[k], depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *encoder) int(n int64) error {
	if n > MaxInteger || n < -MaxInteger {
		return fmt.Errorf("%w: integer %d beyond ±(2^53-1) (use a string)", ErrMalformed, n)
	}
	e.buf = strconv.AppendInt(e.buf, n, 10)
	return nil
}

func (e *encoder) uint(n uint64) error {
	if n > MaxInteger {
		return fmt.Errorf("%w: integer %d beyond 2^53-1 (use a string)", ErrMalformed, n)
	}
	return e.int(int64(n))
}

const hexDigits = "0123456789abcdef"

func (e *encoder) string(s string) error {
	b := append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return fmt.Errorf("%w: string is not UTF-8", ErrMalformed)
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	e.buf = append(append(b, s[start:]...), '"')
	return nil
}

// compareKeys orders keys by UTF-16 code units, as RFC 8785 does. UTF-8
// byte order is code point order; the two disagree only where one string
// has a character above U+FFFF (a surrogate pair, 0xD800.. in UTF-16) and
// the other one in U+E000..U+FFFF at the first difference.
func compareKeys(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return len(a) - len(b)
	}
	for i > 0 && !utf8.RuneStart(a[i]) { // back to the start of the rune that differs
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	if ua, ub := utf16Lead(ra), utf16Lead(rb); ua != ub {
		return int(ua) - int(ub)
	}
	return int(ra) - int(rb)
}

// utf16Lead is the first UTF-16 code unit of r.
func utf16Lead(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}
