package catalog

import (
	"context"

	"github.com/citadel-store/citadel/internal/store"
)

// Full-text search, one way per engine: SQLite's FTS5 table products_fts
// (bm25) and PostgreSQL's products.search tsvector with its GIN index
// (ts_rank_cd).
//
// Relevance orders in two tiers. First the products whose title holds
// every word, shortest title first: a title that is little more than the
// words searched for is the closest match, and that is what bm25 comes
// to when every word is in a short title. Then the products that need
// their description: for a search of several words by bm25 (title
// weighted ten times the description; ts_rank_cd on PostgreSQL, with the
// same weights), for one word or within one merchant newest first (see
// searchRanked).
//
// Ranking costs time for every match, and a word found in thousands of
// products would cost milliseconds. So relevance ranks a window: the
// newest window matches that pass the filters. Older matches are not
// shown; Total counts the window and is TotalCapped when it was full.
// The window grows with the page asked for. Price and newest orders are
// exact. (On SQLite, newest means most recently added: FTS5 hands out
// matches in rowid order.)

// defaultWindow is how many of the newest matches relevance ranks, on
// top of the rows up to the requested page. The window never passes
// CountCap: relevance serves no more results than that.
const defaultWindow = 50

func (s *Service) windowFor(f plan) int { return min(s.window+f.offset+f.limit, CountCap) }

// sortAllUpTo is how many matches SQLite joins and sorts by price
// outright. Past it, walking products_cheapest in order and testing each
// product against the set of matches is cheaper: the more matches, the
// sooner the page fills.
const sortAllUpTo = 500

// search fills res with a page of products matching the words.
func (s *Service) search(ctx context.Context, res *Results, ws []string, f plan) error {
	switch {
	case f.sort == SortRelevance:
		return s.searchRanked(ctx, res, ws, f, s.windowFor(f))
	case s.db.Engine() == store.Postgres:
		// PostgreSQL's planner weighs the GIN index against the ordered
		// indexes itself, from the statistics it keeps on lexemes.
		return s.searchOrdered(ctx, res, ws, f)
	case f.sort == SortNewest && !f.merchant:
		// FTS5 hands out matches newest (highest rowid) first: join and
		// filter them in that order until the page is full.
		where, args := f.where()
		from, cond, arg := s.matching(ws)
		return s.hits(ctx, res, f, false, `SELECT `+hitCols+from+where+cond+
			` ORDER BY products_fts.rowid DESC LIMIT ? OFFSET ?`, append(args, arg, f.limit+1, f.offset))
	case f.sort == SortNewest:
		return s.searchOrdered(ctx, res, ws, f) // a merchant's products are few
	}
	var matched int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM products_fts WHERE products_fts MATCH ? LIMIT ?) t`,
		ftsQuery(ws, prefixWord(ws), ""), s.sortAll+1).Scan(&matched)
	switch {
	case err != nil || matched == 0:
		return err
	case matched <= s.sortAll:
		where, args := f.where()
		from, cond, arg := s.matching(ws)
		return s.hits(ctx, res, f, true, `SELECT `+hitCols+`, COUNT(*) OVER ()`+from+where+cond+f.orderBy()+` LIMIT ? OFFSET ?`,
			append(args, arg, f.limit+1, f.offset))
	}
	return s.searchOrdered(ctx, res, ws, f)
}

// matching returns the FROM clause over p and m, the condition (to
// follow a WHERE) and its argument that select products matching every
// word.
func (s *Service) matching(ws []string) (from, cond string, arg any) {
	if s.db.Engine() == store.Postgres {
		return ` FROM products p JOIN merchants m ON m.id = p.merchant_id`, ` AND p.search @@ to_tsquery('simple', ?)`,
			tsQuery(ws, prefixWord(ws), "")
	}
	// CROSS JOIN is SQLite's way to fix the join order: matches first,
	// each product looked up by rowid. Without statistics the planner may
	// otherwise walk every product and probe the matches.
	return ` FROM products_fts CROSS JOIN products p ON p.rowid = products_fts.rowid CROSS JOIN merchants m ON m.id = p.merchant_id`,
		` AND products_fts MATCH ?`, ftsQuery(ws, prefixWord(ws), "")
}

// Relevance: bm25 is lower for better matches (and works only in the
// scan of products_fts itself); ts_rank_cd higher, and is computed only
// for the rows of the window. Weights D, C, B, A: a title (A) lexeme
// counts ten times a description (B) one.
const (
	liteRank = `bm25(products_fts, 10.0, 1.0)`
	pgRank   = `ts_rank_cd('{0, 0, 0.1, 1}', p.search, to_tsquery('simple', ?))`
)

// searchOrdered finds a page in price or newest order among many
// matches: it walks the ordered index and tests each product against the
// set of matches, so it stops at the page's end.
func (s *Service) searchOrdered(ctx context.Context, res *Results, ws []string, f plan) error {
	var cond string
	var arg any
	if s.db.Engine() == store.Postgres {
		cond, arg = ` AND p.search @@ to_tsquery('simple', ?)`, tsQuery(ws, prefixWord(ws), "")
	} else {
		// The + keeps SQLite from looking up each match by rowid and sorting
		// them all; it builds the set of matches once instead.
		cond, arg = ` AND +p.rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?)`, ftsQuery(ws, prefixWord(ws), "")
	}
	where, args := f.where()
	return s.hits(ctx, res, f, false, `SELECT `+hitCols+f.from()+where+cond+f.orderBy()+` LIMIT ? OFFSET ?`,
		append(args, arg, f.limit+1, f.offset))
}
