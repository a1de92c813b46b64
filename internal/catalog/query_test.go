package catalog

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Red  shirt", []string{"red", "shirt"}},
		{`"NEAR(a b)" OR title:x*`, []string{"near", "a", "b", "or", "title", "x"}},
		{"t-shirt's", []string{"t", "shirt", "s"}},
		{"Café CAFÉ cafe\u0301", []string{"café", "cafe\u0301"}},
		{"a a A", []string{"a"}},
		{"1 2 3 4 5 6 7 8 9 10", []string{"1", "2", "3", "4", "5", "6", "7", "8"}},
		{"\x00\xff*()", nil},
		{"\u0301x", []string{"x"}},
		{strings.Repeat("b", 50), []string{strings.Repeat("b", MaxWordRunes)}},
		{strings.Repeat(" ", MaxQueryBytes) + "hidden", nil},
		{strings.Repeat("é", 150), []string{strings.Repeat("é", MaxWordRunes)}}, // cut inside a rune at 200 bytes
	} {
		if got := words(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("words(%.40q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQueryBuilders(t *testing.T) {
	ws := []string{"red", "shirt"}
	for _, tc := range []struct{ got, want string }{
		{ftsQuery(ws, true, ""), `"red" "shirt"*`},
		{ftsQuery(ws, false, "title"), `{title} : ("red" "shirt")`},
		{ftsQuery([]string{`a"b`}, false, ""), `"a""b"`},
		{tsQuery(ws, true, ""), `'red' & 'shirt':*`},
		{tsQuery(ws, false, "A"), `'red':A & 'shirt':A`},
		{tsQuery(ws, true, "A"), `'red':A & 'shirt':*A`},
		{tsQuery([]string{`it's\`}, false, ""), `'it''s\\'`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
	if !prefixWord([]string{"red", "sh"}) || prefixWord([]string{"red", "s"}) || prefixWord(nil) {
		t.Error("prefixWord: a last word of two letters or more is a prefix")
	}
}

var (
	ftsPhrase = regexp.MustCompile(`^"[\p{L}\p{N}\p{M}]+"\*?$`)
	tsLexeme  = regexp.MustCompile(`^'[\p{L}\p{N}\p{M}]+'(:\*?A?)?$`)
)

// checkBuilt asserts the engine queries built from ws hold nothing but
// the words, quoted, and the syntax the builders mean to write.
func checkBuilt(t *testing.T, ws []string) {
	if len(ws) == 0 {
		return
	}
	for _, column := range []string{"", "title"} {
		q := ftsQuery(ws, prefixWord(ws), column)
		if column != "" {
			inner, ok := strings.CutPrefix(q, "{title} : (")
			if inner, ok = strings.CutSuffix(inner, ")"); !ok {
				t.Fatalf("column filter malformed: %q", q)
			}
			q = inner
		}
		parts := strings.Split(q, " ")
		if len(parts) != len(ws) {
			t.Fatalf("FTS5 query %q has %d phrases for %d words", q, len(parts), len(ws))
		}
		for i, p := range parts {
			if !ftsPhrase.MatchString(p) || strings.HasSuffix(p, "*") != (i == len(ws)-1 && prefixWord(ws)) {
				t.Fatalf("FTS5 query %q: phrase %q", q, p)
			}
			if strings.TrimSuffix(strings.Trim(p, `"*`), `"`) != ws[i] {
				t.Fatalf("FTS5 query %q: phrase %q is not word %q", q, p, ws[i])
			}
		}
	}
	for _, weight := range []string{"", "A"} {
		q := tsQuery(ws, prefixWord(ws), weight)
		parts := strings.Split(q, " & ")
		if len(parts) != len(ws) {
			t.Fatalf("tsquery %q has %d lexemes for %d words", q, len(parts), len(ws))
		}
		for _, p := range parts {
			if !tsLexeme.MatchString(p) || strings.HasSuffix(p, "A") != (weight == "A") {
				t.Fatalf("tsquery %q: lexeme %q", q, p)
			}
		}
	}
}

func FuzzQueryBuilder(f *testing.F) {
	for _, s := range []string{"", "red shirt", `"`, `NEAR(a b)`, `a OR b`, `title:x`, `^x`, `'`, `\`, "\x00", "\xff",
		"e\u0301", `a:*`, `x' | 'y`, "ǅ ß İ", strings.Repeat("é", 120)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws := words(s)
		if len(ws) > MaxQueryWords {
			t.Fatalf("%d words", len(ws))
		}
		seen := map[string]bool{}
		for _, w := range ws {
			if w == "" || !utf8.ValidString(w) || utf8.RuneCountInString(w) > MaxWordRunes || seen[w] {
				t.Fatalf("bad word %q in %q", w, ws)
			}
			seen[w] = true
			for i, r := range w {
				if !(isWordRune(r) || i > 0 && unicode.Is(unicode.M, r)) {
					t.Fatalf("word %q holds %q", w, r)
				}
			}
		}
		checkBuilt(t, ws)
	})
}

func TestHighlightAndSnippet(t *testing.T) {
	got := highlight("Blue T-shirt, blueish", []string{"blue"}, true)
	want := []Fragment{{"Blue", true}, {" T-shirt, ", false}, {"blueish", true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("highlight = %+v", got)
	}
	if got := highlight("Blueish", []string{"blue"}, false); len(got) != 1 || got[0].Match {
		t.Fatalf("exact word matched a longer one: %+v", got)
	}
	if got := highlight("Crème brûlée", []string{"creme"}, false); !got[0].Match || got[0].Text != "Crème" {
		t.Fatalf("accents: %+v", got)
	}
	long := strings.Repeat("word ", 100) + "needle " + strings.Repeat("tail ", 100)
	sn := snippet(long, []string{"needle"}, false)
	var text string
	var marked bool
	for _, fr := range sn {
		text += fr.Text
		marked = marked || fr.Match && fr.Text == "needle"
	}
	if !marked || !strings.HasPrefix(text, "…word") || !strings.HasSuffix(text, "…") || utf8.RuneCountInString(text) > SnippetRunes+2 {
		t.Fatalf("snippet %q", text)
	}
	if sn := snippet("Short\n\ntext.", nil, false); len(sn) != 1 || sn[0].Text != "Short text." {
		t.Fatalf("short snippet %+v", sn)
	}
}

func TestFoldTable(t *testing.T) {
	if utf8.RuneCountInString(accented) != utf8.RuneCountInString(plain) {
		t.Fatal("accented and plain differ in length")
	}
	if fold("ŁÓDŹ") != "lodz" || fold("plain") != "plain" {
		t.Fatalf("fold: %q", fold("ŁÓDŹ"))
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"shirt", "shirt", 2, 0}, {"shrit", "shirt", 2, 1}, {"shirt", "shirts", 2, 1}, {"sweatr", "sweater", 2, 1},
		{"kettle", "kitchen", 1, 2}, {"abc", "xyz", 1, 2}, {"é", "e", 1, 1}, {"", "ab", 2, 2},
	} {
		if got := editDistance(tc.a, tc.b, tc.limit); got != tc.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
		}
	}
}
