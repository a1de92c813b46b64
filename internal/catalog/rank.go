package catalog

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/store"
)

// candidate is a match in the relevance window.
type candidate struct {
	hit   Hit
	tier  int     // 0: every word in the title; 1: the description was needed
	score float64 // the engine's rank, lower is better
	size  int     // title length in characters
}

// searchRanked ranks the newest w matches that pass the filters (see the
// comment at the top of fts.go) and cuts the page from them.
func (s *Service) searchRanked(ctx context.Context, res *Results, ws []string, f plan, w int) error {
	// bm25 costs SQLite a pass over every product holding each word. It
	// is paid for searches of several words, where it weighs rare words
	// above common ones. With one word it could only prefer descriptions
	// that repeat the word: tier 1 goes newest first instead, as it does
	// within one merchant's products (found another way, see candidates).
	// PostgreSQL follows the same rules, so both engines agree.
	scored := len(ws) > 1 && !f.merchant
	cs, err := s.candidates(ctx, ws, f, w, scored)
	if err != nil {
		return err
	}
	prefix := prefixWord(ws)
	for i := range cs {
		c := &cs[i]
		if !titleHasAll(c.hit.Title, ws, prefix) {
			c.tier = 1
		}
		c.size = utf8.RuneCountInString(c.hit.Title)
	}
	slices.SortStableFunc(cs, func(a, b candidate) int {
		if a.tier != b.tier {
			return a.tier - b.tier
		}
		if a.tier == 0 && a.size != b.size {
			return a.size - b.size
		}
		if a.tier == 1 && a.score != b.score {
			return cmp.Compare(a.score, b.score)
		}
		if c := b.hit.CreatedAt.Compare(a.hit.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.hit.ID, a.hit.ID)
	})
	res.Total, res.TotalCapped = min(len(cs), CountCap), len(cs) >= w || len(cs) > CountCap
	end := min(len(cs), f.offset+f.limit)
	res.HasNext = end < len(cs)
	for _, c := range cs[min(f.offset, end):end] {
		res.Hits = append(res.Hits, c.hit)
	}
	return nil
}

// candidates reads the window: the newest w matches passing the filters,
// with their bm25 or ts_rank_cd when scored.
func (s *Service) candidates(ctx context.Context, ws []string, f plan, w int, scored bool) ([]candidate, error) {
	where, args := f.where()
	var query string
	switch {
	case s.db.Engine() == store.Postgres:
		// Rank only the window's rows: ts_rank_cd reads each whole tsvector.
		q := tsQuery(ws, prefixWord(ws), "")
		rank := ""
		args = append(args, q, w)
		if scored {
			rank = `, -` + pgRank
			args = append(args, q)
		}
		query = `WITH c AS MATERIALIZED (SELECT p.id FROM products p` + where +
			` AND p.search @@ to_tsquery('simple', ?) ORDER BY p.created_at DESC, p.id DESC LIMIT ?)
			SELECT ` + hitCols + rank + ` FROM c JOIN products p ON p.id = c.id JOIN merchants m ON m.id = p.merchant_id`
	case f.merchant:
		// One merchant's products are few: walk them newest first (see
		// plan.from) and test each against the set of matches.
		query = `SELECT ` + hitCols + f.from() + where +
			` AND +p.rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?) ORDER BY p.created_at DESC LIMIT ?`
		args = append(args, ftsQuery(ws, prefixWord(ws), ""), w)
	default:
		// FTS5 hands out matches newest (highest rowid) first; each is
		// joined to its product and filtered, until the window is full.
		from, cond, arg := s.matching(ws)
		rank := ""
		if scored {
			rank = `, ` + liteRank
		}
		query = `SELECT ` + hitCols + rank + from + where + cond + ` ORDER BY products_fts.rowid DESC LIMIT ?`
		args = append(args, arg, w)
	}
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []candidate
	for rows.Next() {
		var c candidate
		var extra []any
		if scored {
			extra = append(extra, &c.score)
		}
		if c.hit, err = scanHit(rows, extra...); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// titleHasAll reports whether every word is a word of the title (the last
// as a prefix when prefix is set), compared as the highlighter does.
func titleHasAll(title string, ws []string, prefix bool) bool {
	var tw [16]string
	words := tw[:0]
	for sp := range wordRuns(title) {
		words = append(words, fold(sp.text))
	}
	for i, w := range ws {
		w = fold(w)
		found := false
		for _, t := range words {
			if t == w || prefix && i == len(ws)-1 && strings.HasPrefix(t, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
