package catalog

import (
	"context"

	"github.com/citadel-store/citadel/internal/store"
)

// Full-text search, one way per engine: SQLite's FTS5 table products_fts
// (ranked by bm25) and PostgreSQL's products.search tsvector with its GIN
// index (ranked by ts_rank_cd).
//
// Relevance orders in two tiers: first the products whose title holds
// every word, shortest title first; then the ones that need the
// description, ranked by bm25 or ts_rank_cd (a title match counting ten
// times one in the description).
//
// Ranking costs time for every match, and a word found in thousands of
// products would cost milliseconds. So relevance ranks a window: the
// newest window title matches, and, when those do not fill the page, the
// newest window matches of either tier. Past the window, older matches
// are not shown, and Total counts what the window holds, marked
// TotalCapped. The window grows with the page asked for. Price and
// newest orders stay exact: with many matches they walk the ordered
// product indexes and test each product against the set of matches.

// defaultWindow is how many of the newest matches relevance ranks, on
// top of the rows up to the requested page.
const defaultWindow = 100

func (s *Service) windowFor(f plan) int { return s.window + f.offset + f.limit }

// search fills res with a page of products matching the words.
func (s *Service) search(ctx context.Context, res *Results, ws []string, f plan) error {
	w := s.windowFor(f)
	if f.sort == SortRelevance {
		if err := s.searchTitles(ctx, res, ws, f, w); err != nil || res.HasNext {
			res.TotalCapped = true // the second tier was not counted
			return err
		}
		*res = Results{Page: res.Page, PerPage: res.PerPage, Sort: res.Sort, Words: res.Words}
		return s.searchTiers(ctx, res, ws, f, w)
	}
	var matched int
	var err error
	if s.db.Engine() == store.Postgres {
		err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM products WHERE search @@ to_tsquery('simple', ?) LIMIT ?) t`,
			tsQuery(ws, prefixWord(ws), ""), w+1).Scan(&matched)
	} else {
		err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM products_fts WHERE products_fts MATCH ? LIMIT ?) t`,
			ftsQuery(ws, prefixWord(ws), ""), w+1).Scan(&matched)
	}
	switch {
	case err != nil || matched == 0:
		return err
	case matched <= w: // few: sort them all
		where, args := f.where()
		from, cond, arg := s.matching(ws, "")
		return s.hits(ctx, res, f, true, `SELECT `+hitCols+`, COUNT(*) OVER ()`+from+where+cond+f.orderBy("")+` LIMIT ? OFFSET ?`,
			append(args, arg, f.limit+1, f.offset))
	}
	return s.searchOrdered(ctx, res, ws, f)
}

// matching returns the FROM clause over p and m, the condition (to
// follow a WHERE) and its argument that select products matching every
// word; column "title" restricts the match to titles.
func (s *Service) matching(ws []string, column string) (from, cond string, arg any) {
	if s.db.Engine() == store.Postgres {
		weight := ""
		if column == "title" {
			weight = "A"
		}
		return productsFrom, ` AND p.search @@ to_tsquery('simple', ?)`, tsQuery(ws, prefixWord(ws), weight)
	}
	// CROSS JOIN is SQLite's way to fix the join order: matches first,
	// each product looked up by rowid. Without statistics the planner may
	// otherwise walk every product and probe the matches.
	return ` FROM products_fts CROSS JOIN products p ON p.rowid = products_fts.rowid CROSS JOIN merchants m ON m.id = p.merchant_id`,
		` AND products_fts MATCH ?`, ftsQuery(ws, prefixWord(ws), column)
}

// Relevance: bm25 is lower for better matches (and works only in the
// scan of products_fts itself); ts_rank_cd higher, and is computed only
// for the rows of the window. Weights D, C, B, A: a title (A) lexeme
// counts ten times a description (B) one.
const (
	liteRank = `bm25(products_fts, 10.0, 1.0)`
	pgRank   = `ts_rank_cd('{0, 0, 0.1, 1}', p.search, to_tsquery('simple', ?))`
)

// liteJoin joins ranked matches c to their products, in that order (see
// matching).
const liteJoin = ` FROM c CROSS JOIN products p ON p.rowid = c.rid CROSS JOIN merchants m ON m.id = p.merchant_id`

// pgNewest selects the IDs of the newest w products matching a tsquery.
const pgNewest = `SELECT id FROM products WHERE search @@ to_tsquery('simple', ?) ORDER BY created_at DESC LIMIT ?`

// searchTitles ranks the newest w products whose titles hold every word,
// shortest title first: a title that is little more than the words
// searched for is the closest match, and it is the order bm25 gives
// when every word is in the title, at none of its cost. It sets HasNext
// when they more than fill the page: the second tier is then not needed.
func (s *Service) searchTitles(ctx context.Context, res *Results, ws []string, f plan, w int) error {
	where, args := f.where()
	const order = ` ORDER BY length(p.title), p.created_at DESC, p.id DESC LIMIT ? OFFSET ?`
	if s.db.Engine() == store.Postgres {
		return s.hits(ctx, res, f, true, `WITH c AS MATERIALIZED (`+pgNewest+`)
			SELECT `+hitCols+`, COUNT(*) OVER () FROM c JOIN products p ON p.id = c.id JOIN merchants m ON m.id = p.merchant_id`+
			where+order, append(append([]any{tsQuery(ws, prefixWord(ws), "A"), w}, args...), f.limit+1, f.offset))
	}
	return s.hits(ctx, res, f, true, `WITH c AS (
		SELECT rowid AS rid FROM products_fts WHERE products_fts MATCH ? ORDER BY rowid DESC LIMIT ?)
		SELECT `+hitCols+`, COUNT(*) OVER ()`+liteJoin+where+order,
		append(append([]any{ftsQuery(ws, prefixWord(ws), "title"), w}, args...), f.limit+1, f.offset))
}

// searchTiers ranks the newest w title matches (tier 0, as searchTitles
// does) above the rest of the newest w matches (tier 1, by bm25 or
// ts_rank_cd). With at most w matches, that is all of them; with more,
// Total is TotalCapped.
func (s *Service) searchTiers(ctx context.Context, res *Results, ws []string, f plan, w int) error {
	where, args := f.where()
	var query string
	var head, tail []any
	if s.db.Engine() == store.Postgres {
		a := tsQuery(ws, prefixWord(ws), "")
		head, tail = []any{tsQuery(ws, prefixWord(ws), "A"), w, a, w + 1}, []any{a}
		query = `WITH t AS MATERIALIZED (` + pgNewest + `), a AS MATERIALIZED (` + pgNewest + `),
			c AS (SELECT id, 0 AS tier FROM t UNION ALL SELECT id, 1 FROM a WHERE id NOT IN (SELECT id FROM t))
			SELECT ` + hitCols + `, COUNT(*) OVER (), (SELECT COUNT(*) FROM a) FROM c JOIN products p ON p.id = c.id
			JOIN merchants m ON m.id = p.merchant_id` + where + ` ORDER BY c.tier,
			CASE WHEN c.tier = 0 THEN length(p.title) ELSE -` + pgRank + ` END, p.created_at DESC, p.id DESC LIMIT ? OFFSET ?`
	} else {
		head = []any{ftsQuery(ws, prefixWord(ws), "title"), w, ftsQuery(ws, prefixWord(ws), ""), w + 1}
		query = `WITH t AS MATERIALIZED (
				SELECT rowid AS rid FROM products_fts WHERE products_fts MATCH ? ORDER BY rowid DESC LIMIT ?),
			a AS MATERIALIZED (
				SELECT rowid AS rid, ` + liteRank + ` AS score FROM products_fts WHERE products_fts MATCH ? ORDER BY rowid DESC LIMIT ?),
			c AS MATERIALIZED (SELECT rid, 0 AS tier, 0 AS score FROM t UNION ALL SELECT rid, 1, score FROM a WHERE rid NOT IN (SELECT rid FROM t))
			SELECT ` + hitCols + `, COUNT(*) OVER (), (SELECT COUNT(*) FROM a)` + liteJoin + where +
			` ORDER BY c.tier, CASE WHEN c.tier = 0 THEN length(p.title) ELSE c.score END, p.created_at DESC, p.id DESC LIMIT ? OFFSET ?`
	}
	var matched int
	args = append(append(append(head, args...), tail...), f.limit+1, f.offset)
	if err := s.hits(ctx, res, f, true, query, args, &matched); err != nil {
		return err
	}
	res.TotalCapped = res.TotalCapped || matched > w
	return nil
}

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
	return s.hits(ctx, res, f, false, `SELECT `+hitCols+productsFrom+where+cond+f.orderBy("")+` LIMIT ? OFFSET ?`,
		append(args, arg, f.limit+1, f.offset))
}
