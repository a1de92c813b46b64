package evidence

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// string reads a string. Without escapes (nearly always) it is a slice of
// the input's one copy and costs nothing; with them it is built anew. The
// strict form allows only the escapes the encoder writes; the lenient form
// allows every JSON escape but refuses unpaired surrogates, which have no
// UTF-8 form.
func (p *parser) string() string {
	p.i++ // '"'
	start := p.i
	// Fast path: find the quote, then check that nothing before it needs care.
	if q := bytes.IndexByte(p.b[start:], '"'); q >= 0 && bytes.IndexByte(p.b[start:start+q], '\\') < 0 {
		plain := true
		for _, c := range p.b[start : start+q] {
			if c < 0x20 || c >= utf8.RuneSelf {
				plain = false
				break
			}
		}
		if plain {
			p.i = start + q + 1
			return p.src[start : start+q]
		}
	}
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.src[start : p.i-1]
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			p.fail("control character in string")
			return ""
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				p.fail("string is not UTF-8")
				return ""
			}
			p.i += size
		}
	}
	p.fail("unterminated string")
	return ""
}

// escaped reads the rest of a string that has an escape at p.i.
func (p *parser) escaped(start int) string {
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf)
		case c < 0x20:
			p.fail("control character in string")
			return ""
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				p.fail("string is not UTF-8")
				return ""
			}
			buf = append(buf, p.b[p.i:p.i+size]...)
			p.i += size
		case c == '\\':
			var ok bool
			if buf, ok = p.escape(buf); !ok {
				return ""
			}
		default:
			buf = append(buf, c)
			p.i++
		}
	}
	p.fail("unterminated string")
	return ""
}

func (p *parser) escape(buf []byte) ([]byte, bool) {
	if p.i+1 >= len(p.b) {
		p.fail("unterminated escape")
		return buf, false
	}
	c := p.b[p.i+1]
	p.i += 2
	switch c {
	case '"', '\\':
		return append(buf, c), true
	case 'b':
		return append(buf, '\b'), true
	case 't':
		return append(buf, '\t'), true
	case 'n':
		return append(buf, '\n'), true
	case 'f':
		return append(buf, '\f'), true
	case 'r':
		return append(buf, '\r'), true
	case '/':
		if p.lenient {
			return append(buf, '/'), true
		}
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return buf, false
		}
		if !p.lenient {
			// Only controls without a short escape are written as \u00xx.
			// r < 0x20 leaves only the last digit free to be upper case.
			if r >= 0x20 || r == '\b' || r == '\t' || r == '\n' || r == '\f' || r == '\r' || p.b[p.i-1] >= 'A' && p.b[p.i-1] <= 'F' {
				p.i -= 6
				p.fail("escape that the canonical form writes otherwise")
				return buf, false
			}
			return append(buf, byte(r)), true
		}
		if utf16.IsSurrogate(r) {
			if r >= 0xDC00 || p.i+1 >= len(p.b) || p.b[p.i] != '\\' || p.b[p.i+1] != 'u' {
				p.fail("unpaired surrogate")
				return buf, false
			}
			p.i += 2
			r2, ok := p.hex4()
			if !ok {
				return buf, false
			}
			if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
				p.fail("unpaired surrogate")
				return buf, false
			}
		}
		return utf8.AppendRune(buf, r), true
	}
	p.i -= 2
	p.fail("invalid escape \\%c", c)
	return buf, false
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		p.fail("short \\u escape")
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			p.fail("invalid \\u escape")
			return 0, false
		}
	}
	p.i += 4
	return r, true
}
