package catalog

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on what a search reads of the text a visitor typed. Past them
// the text is cut, silently: a search never fails because of its text.
const (
	MaxQueryBytes = 200 // bytes of text read; the rest is ignored
	MaxQueryWords = 8   // words searched for; later ones are ignored
	MaxWordRunes  = 40  // a longer word is cut
)

// words cleans search text into at most MaxQueryWords lower-case words:
// runs of Unicode letters and digits (with the combining marks that
// follow them). Everything else, every character with a meaning in a
// query language included, separates words and is dropped. Repeated
// words count once.
func words(s string) []string {
	if len(s) > MaxQueryBytes {
		s = s[:MaxQueryBytes]
	}
	s = strings.ToValidUTF8(s, " ") // also cuts a rune split by the line above
	var out []string
	seen := map[string]bool{}
	for w := range wordRuns(s) {
		if n := utf8.RuneCountInString(w.text); n > MaxWordRunes {
			w.text = string([]rune(w.text)[:MaxWordRunes])
		}
		lw := strings.ToLower(w.text)
		if seen[lw] {
			continue
		}
		seen[lw] = true
		out = append(out, lw)
		if len(out) == MaxQueryWords {
			break
		}
	}
	return out
}

// span is a word found in a text, by byte offsets.
type span struct {
	text       string
	start, end int
}

// wordRuns yields the words of s in order (see words for what a word
// is). The highlighter uses the same definition, so what it marks is what
// was searched for.
func wordRuns(s string) iter.Seq[span] {
	return func(yield func(span) bool) {
		start := -1
		for i, r := range s {
			in := isWordRune(r) || (start >= 0 && unicode.Is(unicode.M, r))
			switch {
			case in && start < 0:
				start = i
			case !in && start >= 0:
				if !yield(span{s[start:i], start, i}) {
					return
				}
				start = -1
			}
		}
		if start >= 0 {
			yield(span{s[start:], start, len(s)})
		}
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// prefixWord reports whether the last word is matched as a prefix: it is
// probably still being typed. One-letter prefixes would match too much.
func prefixWord(ws []string) bool {
	return len(ws) > 0 && utf8.RuneCountInString(ws[len(ws)-1]) >= 2
}

// ftsQuery builds an SQLite FTS5 query from cleaned words: each word a
// quoted phrase, all required ("red" "shirt"*), the last one a prefix
// when prefix is set. The words hold only letters, digits and marks, so
// a quote cannot appear; it is escaped anyway, so the query stays well
// formed whatever reaches here. column restricts the match to one column
// ("" for all).
func ftsQuery(ws []string, prefix bool, column string) string {
	var b strings.Builder
	if column != "" {
		b.WriteString("{" + column + "} : (")
	}
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(w, `"`, `""`))
		b.WriteByte('"')
		if prefix && i == len(ws)-1 {
			b.WriteByte('*')
		}
	}
	if column != "" {
		b.WriteByte(')')
	}
	return b.String()
}

// tsQuery builds a PostgreSQL to_tsquery input from cleaned words: each
// word a quoted lexeme, all required ('red' & 'shirt':*), the last one a
// prefix when prefix is set. weight restricts the match to lexemes of
// one weight ("A": titles) or is "". Quotes and backslashes are escaped
// as the tsquery syntax wants, should one ever reach here.
func tsQuery(ws []string, prefix bool, weight string) string {
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteByte('\'')
		b.WriteString(strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(w))
		b.WriteByte('\'')
		last := prefix && i == len(ws)-1
		if last || weight != "" {
			b.WriteByte(':')
		}
		if last {
			b.WriteByte('*')
		}
		b.WriteString(weight)
	}
	return b.String()
}
