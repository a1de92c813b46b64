package catalog

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/store"
)

// Kinds of suggestion.
const (
	SuggestSpelling   = "spelling"    // "did you mean": Text has a word corrected
	SuggestFewerWords = "fewer_words" // Text leaves out a word
	SuggestNoFilters  = "no_filters"  // the same words without the filters
	SuggestCategory   = "category"    // a category whose name is like a word
)

// maxSuggestions bounds the suggestions for one search.
const maxSuggestions = 4

// Suggestion is another search, offered when one found nothing. Each
// was checked to find something.
type Suggestion struct {
	Kind         string
	Text         string // the search text to offer; "" for a category
	CategorySlug string // for SuggestCategory
	CategoryName string // for SuggestCategory
}

// suggest looks for searches near one that found nothing. It runs a few
// small queries (an existence check each, a sample of titles for the
// spelling), so an empty result costs a bounded amount more.
func (s *Service) suggest(ctx context.Context, ws []string, f plan) ([]Suggestion, error) {
	var out []Suggestion
	// unfiltered keeps only the conditions every public read has.
	unfiltered := plan{sort: f.sort, limit: 1}
	if f.filtered() {
		ok, err := s.exists(ctx, unfiltered, ws)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, Suggestion{Kind: SuggestNoFilters, Text: strings.Join(ws, " ")})
		}
	}
	fixed, err := s.spell(ctx, unfiltered, ws)
	if err != nil {
		return nil, err
	}
	if fixed != nil {
		ok, err := s.exists(ctx, f, fixed)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, Suggestion{Kind: SuggestSpelling, Text: strings.Join(fixed, " ")})
		}
	}
	if len(ws) > 1 {
		for _, fewer := range [][]string{ws[:len(ws)-1], ws[1:]} {
			ok, err := s.exists(ctx, f, fewer)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, Suggestion{Kind: SuggestFewerWords, Text: strings.Join(fewer, " ")})
			}
		}
	}
	all, err := categories(ctx, s.db)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if len(out) < maxSuggestions && nameLike(c.Name, ws) {
			out = append(out, Suggestion{Kind: SuggestCategory, CategorySlug: c.Slug, CategoryName: c.Name})
		}
	}
	return out[:min(len(out), maxSuggestions)], nil
}

func (s *Service) exists(ctx context.Context, f plan, ws []string) (bool, error) {
	where, args := f.where()
	from, cond, arg := s.matching(ws)
	rows, err := s.db.Query(ctx, `SELECT 1`+from+where+cond+` LIMIT 1`, append(args, arg)...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	return rows.Next(), rows.Err()
}

// spell corrects, among the first three words, those no product has, to
// the closest word of a sample of titles that share the word's first two
// letters (three for words of six or more: a longer prefix costs the
// index less to expand). It returns nil when it changed nothing.
func (s *Service) spell(ctx context.Context, f plan, ws []string) ([]string, error) {
	var fixed []string
	for i, w := range ws[:min(len(ws), 3)] {
		r := []rune(w)
		if len(r) < 3 {
			continue
		}
		ok, err := s.exists(ctx, f, ws[i:i+1])
		if err != nil {
			return nil, err
		}
		if ok {
			continue
		}
		n := 2
		if len(r) >= 6 {
			n = 3
		}
		titles, err := s.titlesStarting(ctx, f, string(r[:n]))
		if err != nil {
			return nil, err
		}
		if best := closest(fold(w), titles); best != "" {
			if fixed == nil {
				fixed = slices.Clone(ws)
			}
			fixed[i] = best
		}
	}
	return fixed, nil
}

// titlesStarting samples titles that have a word starting with prefix.
func (s *Service) titlesStarting(ctx context.Context, f plan, prefix string) ([]string, error) {
	where, args := f.where()
	from, cond, _ := s.matching(nil)
	var arg any = ftsQuery([]string{prefix}, true, "title")
	if s.db.Engine() == store.Postgres {
		arg = tsQuery([]string{prefix}, true, "A")
	}
	rows, err := s.db.Query(ctx, `SELECT p.title`+from+where+cond+` LIMIT 200`, append(args, arg)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// closest picks the word of the titles nearest to w by edit distance (at
// most 1 for short words, 2 for longer), the most frequent on a tie.
func closest(w string, titles []string) string {
	limit := 1
	if utf8.RuneCountInString(w) > 5 {
		limit = 2
	}
	freq := map[string]int{}
	for _, t := range titles {
		for sp := range wordRuns(t) {
			freq[fold(sp.text)]++
		}
	}
	best, bestD, bestN := "", limit+1, 0
	for cand, n := range freq {
		d := editDistance(w, cand, limit)
		if d == 0 {
			return "" // the word is there: nothing to correct
		}
		if d > limit {
			continue
		}
		if d < bestD || d == bestD && (n > bestN || n == bestN && cand < best) {
			best, bestD, bestN = cand, d, n
		}
	}
	return best
}

// nameLike reports whether a category name has a word close to one of ws.
func nameLike(name string, ws []string) bool {
	for sp := range wordRuns(name) {
		n := fold(sp.text)
		for _, w := range ws {
			w = fold(w)
			if utf8.RuneCountInString(w) >= 3 && (strings.HasPrefix(n, w) || editDistance(w, n, 1) <= 1) {
				return true
			}
		}
	}
	return false
}

// editDistance is the edit distance of a and b in runes, counting an
// insertion, deletion, substitution or swap of neighbours as one edit
// (optimal string alignment), or limit+1 when it exceeds limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	pp := make([]int, len(rb)+1) // the row before prev
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		pp, prev, cur = prev, cur, pp
	}
	return min(prev[len(rb)], limit+1)
}
