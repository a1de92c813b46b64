// Package respcheck stops responses that would leak what a store must never
// show: a payment card number, a stack trace, a database error. It is
// Citadel's replacement for the CRS response rules, which cost about ten
// times the request rules: one streaming pass over the body, a carry-over
// window between writes, no regular expressions.
package respcheck

import (
	"bytes"
)

// Kinds of leak.
const (
	KindCard       = "card"
	KindStackTrace = "stacktrace"
	KindSQLError   = "sqlerror"
)

// window is the carry-over between writes: longer than any text pattern,
// so that one split across writes is still seen whole.
const window = 128

// maxNearToken bounds the quoted token in SQLite's `near "...": syntax
// error`.
const maxNearToken = 64

// Scanner finds leaks in a byte stream fed to it in pieces. The zero
// Scanner is ready. Once it reports a kind it keeps reporting it.
type Scanner struct {
	found string
	// tail is the end of what was scanned so far (at most window bytes).
	tail    []byte
	scratch []byte
	// ctx describes the stream just before tail[0] (the zero value is
	// the start of the stream).
	ctx  textCtx
	card cardState
}

// textCtx is what the text patterns need to know about the bytes before
// the ones being scanned.
type textCtx struct {
	// midLine: something other than blanks follows the last line start.
	midLine bool
	// prev is the byte just before, valid when hasPrev.
	prev    byte
	hasPrev bool
}

// Write scans p and returns the kind of the first leak found so far, or "".
func (s *Scanner) Write(p []byte) string {
	if s.found != "" || len(p) == 0 {
		return s.found
	}
	if k := s.card.write(p); k {
		s.found = KindCard
		return s.found
	}
	s.scratch = append(append(s.scratch[:0], s.tail...), p...)
	if k := scanText(s.scratch, s.ctx); k != "" {
		s.found = k
		return s.found
	}
	keep := min(window, len(s.scratch))
	s.ctx = s.ctx.advance(s.scratch[:len(s.scratch)-keep])
	s.tail = append(s.tail[:0], s.scratch[len(s.scratch)-keep:]...)
	if cap(s.scratch) > 256<<10 {
		s.scratch = nil
	}
	return ""
}

// Close ends the stream (a card number may end with it) and returns the
// kind found, or "".
func (s *Scanner) Close() string {
	if s.found == "" && s.card.closeGroup() {
		s.found = KindCard
	}
	s.card.reset()
	return s.found
}

// advance returns the context after the bytes d.
func (c textCtx) advance(d []byte) textCtx {
	if len(d) == 0 {
		return c
	}
	out := textCtx{midLine: c.midLine, prev: d[len(d)-1], hasPrev: true}
	for i := len(d) - 1; i >= 0; i-- {
		if b := d[i]; b != ' ' && b != '\t' {
			out.midLine = !isLineBreak(b)
			break
		}
	}
	return out
}

func isLineBreak(b byte) bool { return b == '\n' || b == '\r' || b == '>' }

// scanText looks for the stack-trace and database-error texts in b; ctx
// describes the bytes before b.
func scanText(b []byte, ctx textCtx) string {
	if hasGoroutine(b) ||
		hasAtLineStart(b, "panic: ", ctx) ||
		bytes.Contains(b, []byte("Traceback (most recent call last):")) ||
		hasAtLineStart(b, "at java.", ctx) {
		return KindStackTrace
	}
	if bytes.Contains(b, []byte("SQL logic error")) ||
		bytes.Contains(b, []byte("ERROR:  syntax error at or near")) ||
		bytes.Contains(b, []byte("SQLSTATE")) ||
		hasWord(b, "pq: ", ctx) ||
		hasNearSyntax(b) {
		return KindSQLError
	}
	return ""
}

// hasGoroutine finds "goroutine N [running]:".
func hasGoroutine(b []byte) bool {
	const pre, post = "goroutine ", " [running]:"
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(pre))
		if j < 0 {
			return false
		}
		k := i + j + len(pre)
		n := k
		for n < len(b) && n-k < 20 && isDigit(b[n]) {
			n++
		}
		if n > k && bytes.HasPrefix(b[n:], []byte(post)) {
			return true
		}
		i = k
	}
}

// hasAtLineStart finds pat at the start of a line, after optional blanks
// (a line starts the stream, follows a newline, or follows '>' as in
// <pre>panic: ...).
func hasAtLineStart(b []byte, pat string, ctx textCtx) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(pat))
		if j < 0 {
			return false
		}
		k := i + j
		p := k - 1
		for p >= 0 && (b[p] == ' ' || b[p] == '\t') {
			p--
		}
		if p < 0 && !ctx.midLine || p >= 0 && isLineBreak(b[p]) {
			return true
		}
		i = k + 1
	}
}

// hasWord finds pat not preceded by a letter or digit.
func hasWord(b []byte, pat string, ctx textCtx) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(pat))
		if j < 0 {
			return false
		}
		k := i + j
		if k == 0 && !(ctx.hasPrev && isAlnum(ctx.prev)) || k > 0 && !isAlnum(b[k-1]) {
			return true
		}
		i = k + 1
	}
}

// hasNearSyntax finds SQLite's `near "TOKEN": syntax error`.
func hasNearSyntax(b []byte) bool {
	const pre, post = `near "`, `": syntax error`
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(pre))
		if j < 0 {
			return false
		}
		k := i + j + len(pre)
		n := k
		for n < len(b) && n-k <= maxNearToken && b[n] != '\n' {
			if bytes.HasPrefix(b[n:], []byte(post)) {
				return true
			}
			n++
		}
		i = k
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// cardState follows digit runs across writes. A run is a sequence of
// groups (maximal strings of digits) joined by single spaces or dashes;
// a card is any stretch of whole consecutive groups with 13 to 19 digits
// in all that passes the Luhn check and starts with a card industry digit
// (2 to 6: Mastercard 2-series, Amex/Diners/JCB, Visa, Mastercard,
// Discover/UnionPay/Maestro). So "4111 1111 1111 1111" and
// "4111-1111-1111-1111" are cards, and so is each number in a list
// separated by spaces; 16 digits inside a 20-digit string are not.
type cardState struct {
	cur    [19]byte // the current group's digits (the first 19)
	curLen int      // digits in the current group (may pass 19)
	sep    bool     // the last byte was a separator after a group
	// hist holds the digits of the run's recent closed groups, at most
	// 19, and lens their sizes, oldest first.
	hist [19]byte
	nh   int
	lens [19]int
	nl   int
}

func (c *cardState) reset() {
	c.curLen, c.sep, c.nh, c.nl = 0, false, 0, 0
}

// write feeds p; true when a card ended in it.
func (c *cardState) write(p []byte) bool {
	for i := 0; i < len(p); i++ {
		if c.curLen == 0 && !c.sep && c.nh == 0 {
			// Outside any run: skip to the next digit.
			for i < len(p) && p[i]-'0' > 9 {
				i++
			}
			if i == len(p) {
				return false
			}
		}
		ch := p[i]
		switch {
		case isDigit(ch):
			if c.curLen < len(c.cur) {
				c.cur[c.curLen] = ch
			}
			c.curLen++
			c.sep = false
		case c.curLen > 0:
			if c.closeGroup() {
				return true
			}
			if ch == ' ' || ch == '-' {
				c.sep = true
			} else {
				c.nh, c.nl = 0, 0
			}
		default:
			// A second separator, or a separator or other byte
			// outside a run: the run is over.
			c.sep = false
			c.nh, c.nl = 0, 0
		}
	}
	return false
}

// closeGroup ends the current group and checks every stretch of groups
// ending with it.
func (c *cardState) closeGroup() bool {
	n := c.curLen
	c.curLen = 0
	if n == 0 {
		return false
	}
	if n > len(c.cur) {
		// Too long to be in any card: nothing before or with it counts.
		c.nh, c.nl = 0, 0
		return false
	}
	// Append the group to the history, dropping the oldest groups so
	// that at most 19 digits remain.
	for c.nh+n > len(c.hist) {
		drop := c.lens[0]
		copy(c.hist[:], c.hist[drop:c.nh])
		c.nh -= drop
		copy(c.lens[:], c.lens[1:c.nl])
		c.nl--
	}
	copy(c.hist[c.nh:], c.cur[:n])
	c.nh += n
	c.lens[c.nl] = n
	c.nl++
	total := 0
	for k := c.nl - 1; k >= 0; k-- {
		total += c.lens[k]
		if total >= 13 && isCard(c.hist[c.nh-total:c.nh]) {
			return true
		}
	}
	return false
}

// isCard reports whether digits (13 to 19 of them) pass the Luhn check and
// start with a card industry digit.
func isCard(d []byte) bool {
	if len(d) < 13 || len(d) > 19 || d[0] < '2' || d[0] > '6' {
		return false
	}
	return luhn(d)
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}
