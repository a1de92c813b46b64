package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
)

// Limits on what merchants may enter.
const (
	MaxTitle       = 200    // runes, product and variant titles
	MaxDescription = 20_000 // runes
	MaxName        = 100    // runes, merchant and category names
	MaxSlug        = 60     // bytes
	MaxSKU         = 64     // bytes
	MaxOptions     = 10     // option pairs per variant
	MaxOptionKey   = 32     // runes
	MaxOptionValue = 64     // runes
	MaxVariants    = 100    // per product, archived ones included
)

// line checks one line of text: valid UTF-8, no control characters, not
// blank when required, at most max runes. It returns the text trimmed.
func line(field, s string, max int, required bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid(field, "is not valid text (UTF-8)")
	}
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", invalid(field, "is required")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", invalid(field, fmt.Sprintf("is too long: %d characters, at most %d", n, max))
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", invalid(field, "contains a control character")
		}
	}
	return s, nil
}

// text checks a multi-line text: as line, but tabs and line breaks are
// allowed (CR LF and CR become LF).
func text(field, s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid(field, "is not valid text (UTF-8)")
	}
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
	if n := utf8.RuneCountInString(s); n > max {
		return "", invalid(field, fmt.Sprintf("is too long: %d characters, at most %d", n, max))
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return "", invalid(field, "contains a control character")
		}
	}
	return s, nil
}

// slug checks a URL slug: lower-case ASCII letters and digits in groups
// joined by single hyphens.
func slug(field, s string) (string, error) {
	ok := len(s) >= 2 && len(s) <= MaxSlug && s[0] != '-' && s[len(s)-1] != '-' && !strings.Contains(s, "--")
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c == '-' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if !ok {
		return "", invalid(field, fmt.Sprintf("use 2 to %d lower-case letters, digits and single hyphens", MaxSlug))
	}
	return s, nil
}

// sku checks a stock-keeping unit: printable ASCII without spaces, so it
// reads the same on labels, in exports and in URLs.
func sku(field, s string) (string, error) {
	ok := s != "" && len(s) <= MaxSKU
	for i := 0; ok && i < len(s); i++ {
		ok = s[i] > ' ' && s[i] < 0x7f
	}
	if !ok {
		return "", invalid(field, fmt.Sprintf("use 1 to %d letters, digits or punctuation, without spaces", MaxSKU))
	}
	return s, nil
}

// price checks that a is a non-negative amount in currency c.
func price(field string, a money.Amount, c money.Currency) error {
	if a.Currency != c {
		return invalid(field, fmt.Sprintf("must be in %s, the product's currency", c))
	}
	if a.Minor < 0 {
		return invalid(field, "must not be negative")
	}
	return nil
}

// ParsePrice reads a price a merchant typed ("12.34") in currency c. It
// refuses, as an *InvalidError on field, negative amounts, fractions of
// the currency's minor unit (never rounded) and anything but digits and
// one decimal point.
func ParsePrice(field, s string, c money.Currency) (money.Amount, error) {
	a, err := money.ParseDecimal(strings.TrimSpace(s), c)
	if err != nil {
		e := c.Exponent()
		if !c.Valid() {
			return money.Amount{}, invalid(field, "unknown currency")
		}
		if e == 0 {
			return money.Amount{}, invalid(field, fmt.Sprintf("write a whole number of %s, like 1200", c))
		}
		return money.Amount{}, invalid(field, fmt.Sprintf("write it like 12.%s, at most %d decimal places for %s", strings.Repeat("0", e), e, c))
	}
	return a, nil
}

// options checks a variant's options and returns their canonical JSON: an
// object with keys sorted, no insignificant space, no HTML escaping.
func options(field string, opts map[string]string) (string, error) {
	if len(opts) > MaxOptions {
		return "", invalid(field, fmt.Sprintf("at most %d options", MaxOptions))
	}
	clean := make(map[string]string, len(opts))
	for k, v := range opts {
		ck, err := line(field, k, MaxOptionKey, true)
		if err != nil {
			return "", invalid(field, "option name "+err.(*InvalidError).Msg)
		}
		cv, err := line(field, v, MaxOptionValue, true)
		if err != nil {
			return "", invalid(field, fmt.Sprintf("value of %q %s", ck, err.(*InvalidError).Msg))
		}
		if _, dup := clean[ck]; dup {
			return "", invalid(field, fmt.Sprintf("option %q appears twice", ck))
		}
		clean[ck] = cv
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(clean); err != nil { // sorts the keys
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// optionTitle names a variant by its option values in key order, for
// variants given no title: "Blue / M".
func optionTitle(opts map[string]string) string {
	if len(opts) == 0 {
		return "Default"
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = strings.TrimSpace(opts[k])
	}
	t := strings.Join(vals, " / ")
	if utf8.RuneCountInString(t) > MaxTitle {
		t = string([]rune(t)[:MaxTitle])
	}
	return t
}

// validID reports whether s is an ID of the given kind, so malformed IDs
// from outside never reach a query.
func validID(prefix, s string) bool { return ids.Valid(prefix, s) }
