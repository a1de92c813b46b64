package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fragment is a piece of a title or snippet; Match marks a searched-for
// word. The HTML layer writes each Text escaped, inside <mark> when
// Match: no HTML is made here.
type Fragment struct {
	Text  string
	Match bool
}

// SnippetRunes is about how long a description snippet is.
const SnippetRunes = 200

// highlight splits s into fragments, marking the words that match ws
// (the last as a prefix when prefix is set), compared as the search
// engine does: case and common Latin accents aside.
func highlight(s string, ws []string, prefix bool) []Fragment {
	if s == "" {
		return nil
	}
	if len(ws) == 0 {
		return []Fragment{{Text: s}}
	}
	folded := make([]string, len(ws))
	for i, w := range ws {
		folded[i] = fold(w)
	}
	var out []Fragment
	last := 0
	for w := range wordRuns(s) {
		if !matches(w.text, folded, prefix) {
			continue
		}
		if w.start > last {
			out = append(out, Fragment{Text: s[last:w.start]})
		}
		out = append(out, Fragment{Text: w.text, Match: true})
		last = w.end
	}
	if last < len(s) {
		out = append(out, Fragment{Text: s[last:]})
	}
	return out
}

// matches reports whether a word of a text equals one of the folded
// search words (or starts with the last, when prefix is set).
func matches(word string, folded []string, prefix bool) bool {
	word = fold(word)
	for i, w := range folded {
		if word == w || (prefix && i == len(folded)-1 && strings.HasPrefix(word, w)) {
			return true
		}
	}
	return false
}

// snippet returns about SnippetRunes of the description around the first
// matching word (or its beginning), white space collapsed, with "…"
// where it was cut, highlighted.
func snippet(desc string, ws []string, prefix bool) []Fragment {
	start := 0
	if len(ws) > 0 {
		folded := make([]string, len(ws))
		for i, w := range ws {
			folded[i] = fold(w)
		}
		for w := range wordRuns(desc) {
			if matches(w.text, folded, prefix) {
				start = w.start
				break
			}
		}
	}
	// Show some words before the match, starting at a word.
	from := start
	for n := 0; from > 0 && n < SnippetRunes/4; n++ {
		_, size := utf8.DecodeLastRuneInString(desc[:from])
		from -= size
	}
	if from > 0 {
		if sp := strings.IndexAny(desc[from:start], " \t\n"); sp >= 0 {
			from += sp + 1
		}
	}
	// Cut generously in bytes, collapse white space, then cut in runes.
	to := min(len(desc), start+SnippetRunes*4+(start-from))
	for to < len(desc) && !utf8.RuneStart(desc[to]) {
		to++
	}
	text := strings.Join(strings.Fields(desc[from:to]), " ")
	cut := to < len(desc)
	if r := []rune(text); len(r) > SnippetRunes {
		text, cut = string(r[:SnippetRunes]), true
		if sp := strings.LastIndexByte(text, ' '); sp > len(text)/2 {
			text = text[:sp]
		}
	}
	if from > 0 {
		text = "…" + text
	}
	if cut {
		text += "…"
	}
	return highlight(text, ws, prefix)
}

// fold lower-cases a word and strips the accents of Latin letters, as
// SQLite's unicode61 tokenizer (remove_diacritics 2) does.
func fold(s string) string {
	upper := false
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return foldUnicode(s)
		}
		upper = upper || s[i] >= 'A' && s[i] <= 'Z'
	}
	if upper {
		return strings.ToLower(s)
	}
	return s
}

func foldUnicode(s string) string {
	var b strings.Builder
	for _, r := range s {
		r = unicode.ToLower(r)
		if r >= 0xc0 && r < 0x180 {
			if i := strings.IndexRune(accented, r); i >= 0 {
				r = rune(plain[utf8.RuneCountInString(accented[:i])])
			}
		}
		if unicode.Is(unicode.Mn, r) {
			continue // a combining accent
		}
		b.WriteRune(r)
	}
	return b.String()
}

// accented and plain pair the lower-case accented Latin-1 and Latin
// Extended-A letters with their base letters.
const (
	accented = "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž"
	plain    = "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiijklllllnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzz"
)
