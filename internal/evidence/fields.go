package evidence

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Typed documents are read from a parsed canonical value by hand rather
// than by encoding/json: field names match exactly (encoding/json folds
// case), every field must be present, no unknown field is allowed, null
// never stands for "absent", and each field's text has one spelling. So a
// document decoded here and encoded again gives the bytes it came from.

// obj reads the fields of one JSON object, remembering the first error.
// Its path ("receipt.order_info.orders[1]") is built only for a message.
type obj struct {
	t      *tree
	n      *node // nil when the value is not an object
	parent *obj
	name   string
	idx    int // -1 unless the object is an array element
	used   int
	err    *error
}

func readObject(t *tree, n *node, name string, err *error) *obj { return readItem(t, n, name, -1, err) }

// readItem reads element idx of the array name.
func readItem(t *tree, n *node, name string, idx int, err *error) *obj {
	o := &obj{t: t, name: name, idx: idx, err: err}
	o.n = o.asObject(n)
	return o
}

func (o *obj) child(n *node, name string, idx int) *obj {
	c := &obj{t: o.t, parent: o, name: name, idx: idx, err: o.err}
	c.n = c.asObject(n)
	return c
}

func (o *obj) asObject(n *node) *node {
	if n != nil && n.kind == kindObject {
		return n
	}
	if *o.err == nil {
		*o.err = fmt.Errorf("%w: %s is not an object", ErrInvalidDocument, o.path())
	}
	return nil
}

func (o *obj) path() string {
	s := o.name
	if o.idx >= 0 {
		s += "[" + strconv.Itoa(o.idx) + "]"
	}
	if o.parent != nil {
		s = o.parent.path() + "." + s
	}
	return s
}

func (o *obj) fail(key, format string, args ...any) {
	if *o.err == nil {
		where := o.path()
		if key != "" {
			where += "." + key
		}
		*o.err = fmt.Errorf("%w: %s: %s", ErrInvalidDocument, where, fmt.Sprintf(format, args...))
	}
}

// get returns a field; a missing one is an error, since documents have no
// optional scalars. It returns nil only after recording an error.
func (o *obj) get(key string) *node {
	if o.n == nil {
		return nil // the error is recorded
	}
	n := o.t.member(o.n, key)
	if n == nil {
		o.fail(key, "missing")
		return nil
	}
	o.used++
	return n
}

// has reports whether an optional field is present.
func (o *obj) has(key string) bool { return o.n != nil && o.t.member(o.n, key) != nil }

// done fails if the object has fields nobody asked for.
func (o *obj) done() {
	if *o.err != nil || o.used == int(o.n.n) {
		return
	}
	var keys []string
	for _, k := range o.t.kids(o.n) {
		keys = append(keys, k.key)
	}
	o.fail("", "unknown field among %s", strings.Join(keys, ", "))
}

func (o *obj) typed(key string, k kind, what string) *node {
	n := o.get(key)
	if n != nil && n.kind != k {
		o.fail(key, "not %s", what)
		return nil
	}
	return n
}

func (o *obj) str(key string) string {
	if n := o.typed(key, kindString, "a string"); n != nil {
		return n.str
	}
	return ""
}

func (o *obj) int(key string) int64 {
	if n := o.typed(key, kindNumber, "an integer"); n != nil {
		return n.num
	}
	return 0
}

func (o *obj) object(key string) *obj { return o.child(o.get(key), key, -1) }

// list returns an array's elements.
func (o *obj) list(key string) []node {
	if n := o.typed(key, kindArray, "an array"); n != nil {
		return o.t.kids(n)
	}
	return nil
}

// objects reads an array of objects.
func (o *obj) objects(key string) []*obj {
	list := o.list(key)
	out := make([]*obj, len(list))
	for i := range list {
		out[i] = o.child(&list[i], key, i)
	}
	return out
}

// timeLayout is the one spelling of a time: UTC, whole seconds.
const timeLayout = "2006-01-02T15:04:05Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func (o *obj) time(key string) time.Time {
	s := o.str(key)
	// The fixed length leaves no room for the fraction time.Parse allows.
	t, err := time.Parse(timeLayout, s)
	if (err != nil || len(s) != len(timeLayout)) && *o.err == nil {
		o.fail(key, "time %q is not YYYY-MM-DDThh:mm:ssZ", s)
	}
	return t
}

// b64 is base64url without padding, decoded strictly (the unused bits of
// the last character must be zero), so the text has one spelling.
var b64 = base64.RawURLEncoding.Strict()

func (o *obj) bytes(key string) []byte {
	s := o.str(key)
	b, err := b64.DecodeString(s)
	if err != nil && *o.err == nil {
		o.fail(key, "not base64url without padding")
	}
	return b
}

func (o *obj) digest(key string) Digest {
	s := o.str(key)
	d, err := ParseDigest(s)
	if err != nil && *o.err == nil {
		o.fail(key, "%v", err)
	}
	return d
}

// validTime is true for times that encode in timeLayout.
func validTime(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 1970 && y <= 9999
}

// Rules for the text fields of documents.

// checkID accepts 1 to 128 bytes of ASCII letters, digits and . _ : -
// which covers Citadel's IDs and leaves no room for look-alikes.
func checkID(field, s string) error {
	if s == "" || len(s) > 128 {
		return fmt.Errorf("%w: %s must be 1 to 128 bytes", ErrInvalidDocument, field)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return fmt.Errorf("%w: %s has byte %q", ErrInvalidDocument, field, c)
		}
	}
	return nil
}

// checkText accepts printable UTF-8 of at most max bytes (whether empty
// is allowed is the caller's rule); multiline also allows line feeds and
// tabs, for contract terms.
func checkText(field, s string, max int, multiline bool) error {
	if len(s) > max {
		return fmt.Errorf("%w: %s longer than %d bytes", ErrInvalidDocument, field, max)
	}
	for _, r := range s {
		// Controls could rewrite a terminal that prints the proof; bidi
		// overrides could show a reader text in another order than signed.
		if r < 0x20 && !(multiline && (r == '\n' || r == '\t')) || r == 0x7f || r >= 0x80 && r < 0xa0 ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return fmt.Errorf("%w: %s has control character %U", ErrInvalidDocument, field, r)
		}
	}
	return nil
}

// checkCurrency accepts an ISO 4217 shape: three upper-case letters.
// Which currencies the platform sells in is money's business, not this.
func checkCurrency(field, s string) error {
	if len(s) != 3 || strings.IndexFunc(s, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return fmt.Errorf("%w: %s %q is not a currency code", ErrInvalidDocument, field, s)
	}
	return nil
}

// checkNonce accepts 16 to 64 random bytes in base64url.
func checkNonce(field, s string) error {
	b, err := b64.DecodeString(s)
	if err != nil || len(b) < 16 || len(b) > 64 {
		return fmt.Errorf("%w: %s must be 16 to 64 bytes in base64url", ErrInvalidDocument, field)
	}
	return nil
}

// checkAmount accepts 0 to MaxInteger minor units.
func checkAmount(field string, n int64) error {
	if n < 0 || n > MaxInteger {
		return fmt.Errorf("%w: %s %d out of range", ErrInvalidDocument, field, n)
	}
	return nil
}
