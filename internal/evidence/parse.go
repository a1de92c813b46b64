package evidence

import (
	"bytes"
	"fmt"
)

// ParseCanonical decodes b, which must be exactly the canonical encoding
// of its value, so Canonical(v) returns b again. The value is built of
// nil, bool, int64, string, []any and map[string]any. Failures wrap
// ErrNotCanonical when b is well-formed JSON in another form, ErrMalformed
// otherwise, and carry the byte offset.
func ParseCanonical(b []byte) (any, error) {
	t, err := parseCanonical(b)
	if err != nil {
		return nil, err
	}
	return t.value(t.root()), nil
}

// parseCanonical is ParseCanonical without building maps: the verifiers
// read the tree directly.
func parseCanonical(b []byte) (*tree, error) {
	t, err := parseTree(b, false)
	if err != nil {
		if _, lerr := parseTree(b, true); lerr == nil {
			return nil, fmt.Errorf("%w: %v", ErrNotCanonical, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return t, nil
}

// parse reads one JSON value. Strict demands the canonical form; lenient
// allows whitespace, any key order and any escape, but keeps every other
// rule (UTF-8, integers only, no duplicate keys, limits). Errors are
// *syntaxError; ParseCanonical classifies them.
func parse(b []byte, lenient bool) (any, error) {
	t, err := parseTree(b, lenient)
	if err != nil {
		return nil, err
	}
	return t.value(t.root()), nil
}

type kind uint8

const (
	kindNull kind = iota
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindArray
	kindObject
)

// node is one parsed value. A container's children lie next to each other
// in the tree's arena, so reading a document costs a few allocations, not
// one per value; and every node knows its bytes in the input, which in a
// canonical document are its canonical encoding: what was hashed or
// signed, with no need to encode it again.
type node struct {
	kind       kind
	key        string // the member's key, for a member of an object
	str        string
	num        int64
	first, n   int32 // children: tree.nodes[first : first+n]
	start, end int32 // bytes in the input
}

type tree struct {
	b     []byte
	nodes []node // the root is last
}

func (t *tree) root() *node         { return &t.nodes[len(t.nodes)-1] }
func (t *tree) kids(n *node) []node { return t.nodes[n.first : n.first+n.n] }
func (t *tree) raw(n *node) []byte  { return t.b[n.start:n.end] }
func (t *tree) member(n *node, key string) *node {
	if n.kind != kindObject {
		return nil
	}
	kids := t.kids(n)
	for i := range kids {
		if kids[i].key == key {
			return &kids[i]
		}
	}
	return nil
}

// value converts a node to the generic form ParseCanonical returns.
func (t *tree) value(n *node) any {
	switch n.kind {
	case kindFalse:
		return false
	case kindTrue:
		return true
	case kindNumber:
		return n.num
	case kindString:
		return n.str
	case kindArray:
		kids := t.kids(n)
		a := make([]any, len(kids))
		for i := range kids {
			a[i] = t.value(&kids[i])
		}
		return a
	case kindObject:
		kids := t.kids(n)
		m := make(map[string]any, len(kids))
		for i := range kids {
			m[kids[i].key] = t.value(&kids[i])
		}
		return m
	}
	return nil
}

func parseTree(b []byte, lenient bool) (*tree, error) {
	if len(b) > MaxSize {
		return nil, &syntaxError{0, fmt.Sprintf("input of %d bytes, more than %d", len(b), MaxSize)}
	}
	// String values are slices of one copy of the input. There are at most
	// as many values as commas and openings, plus one: room for all.
	size := bytes.Count(b, []byte{','}) + bytes.Count(b, []byte{'{'}) + bytes.Count(b, []byte{'['}) + 1
	p := parser{b: b, src: string(b), lenient: lenient, nodes: make([]node, 0, size), stack: make([]node, 0, min(size, 64))}
	p.space()
	root := p.value(0)
	p.space()
	if p.err == nil && p.i != len(b) {
		p.fail("data after the value")
	}
	if p.err != nil {
		return nil, p.err
	}
	return &tree{b: b, nodes: append(p.nodes, root)}, nil
}

type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("at byte %d: %s", e.off, e.msg) }

type parser struct {
	b       []byte
	src     string
	i       int
	lenient bool
	err     error
	nodes   []node // finished children, the arena
	stack   []node // children of the containers being read
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = &syntaxError{p.i, fmt.Sprintf(format, args...)}
	}
}

// space skips whitespace where the lenient form allows it; the strict form
// allows none, so there it only reports it.
func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			if !p.lenient {
				p.fail("whitespace")
				return
			}
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) node {
	if p.err != nil {
		return node{}
	}
	if p.i >= len(p.b) {
		p.fail("unexpected end")
		return node{}
	}
	start := p.i
	var n node
	switch c := p.b[p.i]; {
	case c == '{':
		n = p.object(depth)
	case c == '[':
		n = p.array(depth)
	case c == '"':
		n = node{kind: kindString, str: p.string()}
	case c == '-' || c >= '0' && c <= '9':
		n = node{kind: kindNumber, num: p.number()}
	case c == 't':
		n = node{kind: kindTrue}
		p.literal("true")
	case c == 'f':
		n = node{kind: kindFalse}
		p.literal("false")
	case c == 'n':
		p.literal("null")
	default:
		p.fail("unexpected %q", c)
	}
	n.start, n.end = int32(start), int32(p.i)
	return n
}

func (p *parser) literal(word string) {
	if !bytes.HasPrefix(p.b[p.i:], []byte(word)) {
		p.fail("invalid literal")
		return
	}
	p.i += len(word)
}

func (p *parser) expect(c byte) bool {
	p.space()
	if p.err == nil && p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		p.space()
		return true
	}
	p.fail("want %q", c)
	return false
}

// finish moves the children read since base into the arena.
func (p *parser) finish(k kind, base int) node {
	first := len(p.nodes)
	p.nodes = append(p.nodes, p.stack[base:]...)
	n := len(p.stack) - base
	p.stack = p.stack[:base]
	return node{kind: k, first: int32(first), n: int32(n)}
}

func (p *parser) object(depth int) node {
	if depth >= MaxDepth {
		p.fail("nested deeper than %d", MaxDepth)
		return node{}
	}
	p.i++ // '{'
	p.space()
	base := len(p.stack)
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return p.finish(kindObject, base)
	}
	var seen map[string]bool // for duplicates in large lenient objects
	for p.err == nil {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			p.fail("want a key")
			break
		}
		at := p.i
		k := p.string()
		if p.err != nil {
			break
		}
		if p.duplicate(k, base, &seen) {
			p.i = at
			p.fail("duplicate key %q", k)
			break
		}
		if !p.lenient && len(p.stack) > base && compareKeys(p.stack[len(p.stack)-1].key, k) > 0 {
			p.i = at
			p.fail("key %q out of order", k)
			break
		}
		if !p.expect(':') {
			break
		}
		v := p.value(depth + 1)
		v.key = k
		p.stack = append(p.stack, v)
		p.space()
		if p.err != nil || p.i >= len(p.b) {
			p.fail("unterminated object")
			break
		}
		if p.b[p.i] == '}' {
			p.i++
			return p.finish(kindObject, base)
		}
		if !p.expect(',') {
			break
		}
	}
	p.stack = p.stack[:base]
	return node{}
}

// duplicate reports whether the object begun at base has key k. The
// canonical form only needs the last key (they are sorted); the lenient
// form scans, or for objects of many keys keeps a set, so that a hostile
// input of many keys costs linear time.
func (p *parser) duplicate(k string, base int, seen *map[string]bool) bool {
	if !p.lenient {
		return len(p.stack) > base && p.stack[len(p.stack)-1].key == k
	}
	if *seen == nil && len(p.stack)-base >= 16 {
		*seen = make(map[string]bool, 32)
		for _, s := range p.stack[base:] {
			(*seen)[s.key] = true
		}
	}
	if *seen != nil {
		dup := (*seen)[k]
		(*seen)[k] = true
		return dup
	}
	for _, s := range p.stack[base:] {
		if s.key == k {
			return true
		}
	}
	return false
}

func (p *parser) array(depth int) node {
	if depth >= MaxDepth {
		p.fail("nested deeper than %d", MaxDepth)
		return node{}
	}
	p.i++ // '['
	p.space()
	base := len(p.stack)
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return p.finish(kindArray, base)
	}
	for p.err == nil {
		p.stack = append(p.stack, p.value(depth+1))
		p.space()
		if p.err != nil || p.i >= len(p.b) {
			p.fail("unterminated array")
			break
		}
		if p.b[p.i] == ']' {
			p.i++
			return p.finish(kindArray, base)
		}
		if !p.expect(',') {
			break
		}
	}
	p.stack = p.stack[:base]
	return node{}
}

// number reads an integer. JSON's fraction and exponent are refused in
// both forms, even when the value is whole ("1.0", "1e2"): money is
// integer minor units, and a reader must not have to guess.
func (p *parser) number() int64 {
	start := p.i
	neg := p.b[p.i] == '-'
	if neg {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	n := p.i - digits
	switch {
	case n == 0:
		p.fail("number without digits")
		return 0
	case n > 1 && p.b[digits] == '0':
		p.fail("number with a leading zero")
		return 0
	case p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E'):
		p.fail("not an integer (floats are not allowed)")
		return 0
	case n > 16:
		p.i = start
		p.fail("integer beyond ±(2^53-1)")
		return 0
	}
	var v int64
	for _, c := range p.b[digits:p.i] {
		v = v*10 + int64(c-'0')
	}
	if v > MaxInteger {
		p.i = start
		p.fail("integer beyond ±(2^53-1)")
		return 0
	}
	if neg {
		if v == 0 && !p.lenient {
			p.i = start
			p.fail("negative zero")
			return 0
		}
		v = -v
	}
	return v
}
