package catalog

import (
	"context"
	"database/sql"
	"strings"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// browse fills res with a page of products without search words: walking
// products_newest or products_cheapest in order (or one merchant's
// products, see plan.from), so a page costs about the same however large
// the catalog. When more follow, it counts up to CountCap on the same
// indexes, without reading product rows; but not past a category or
// price filter, where the walk to CountCap passes could be long.
func (s *Service) browse(ctx context.Context, res *Results, f plan) error {
	where, args := f.where()
	err := s.hits(ctx, res, f, false, `SELECT `+hitCols+f.from()+where+f.orderBy()+` LIMIT ? OFFSET ?`,
		append(args, f.limit+1, f.offset))
	if err != nil || !res.HasNext || f.offset+f.limit >= CountCap || f.narrow {
		return err
	}
	var n int
	from, _, _ := strings.Cut(f.from(), " JOIN ") // no need of m to count
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1`+from+where+` LIMIT ?) t`,
		append(args, CountCap+1)...).Scan(&n)
	res.Total, res.TotalCapped = min(n, CountCap), n > CountCap
	return err
}

// hits runs a query selecting hitCols (and, when windowed, the count of
// all rows before LIMIT) with LIMIT f.limit+1, and sets res.Hits,
// HasNext and Total: exact when nothing follows the page or the query
// counted, otherwise at least what was seen, TotalCapped.
func (s *Service) hits(ctx context.Context, res *Results, f plan, windowed bool, query string, args []any) error {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var dest []any
		if windowed {
			dest = append(dest, &total)
		}
		h, err := scanHit(rows, dest...)
		if err != nil {
			return err
		}
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	res.HasNext = len(res.Hits) > f.limit && f.offset+f.limit < MaxResults
	res.Hits = res.Hits[:min(len(res.Hits), f.limit)]
	if !windowed {
		total = f.offset + len(res.Hits)
		res.TotalCapped = res.HasNext
	}
	res.Total = min(total, CountCap)
	res.TotalCapped = res.TotalCapped || total > CountCap
	return nil
}

// scanHit reads the hitCols of a row, then any more columns into extra.
func scanHit(rows *sql.Rows, extra ...any) (Hit, error) {
	var h Hit
	var currency string
	var price, inStock, created int64
	dest := []any{&h.ID, &h.Title, &h.MerchantID, &h.MerchantSlug, &h.MerchantName, &currency, &price, &inStock, &created}
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return Hit{}, err
	}
	h.MinPrice = money.New(price, money.Currency(currency))
	h.InStock = inStock != 0
	h.CreatedAt = store.FromMicros(created)
	return h, nil
}

// details adds what only the shown hits need: the category, the first
// image, and the highlighted title and description snippet.
func (s *Service) details(ctx context.Context, res *Results, ws []string) error {
	if len(res.Hits) == 0 {
		return nil
	}
	idx := map[string]int{}
	ids := make([]any, len(res.Hits))
	for i, h := range res.Hits {
		idx[h.ID] = i
		ids[i] = h.ID
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.description, c.slug,
		(SELECT i.id FROM product_images i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1)
		FROM products p LEFT JOIN categories c ON c.id = p.category_id
		WHERE p.id IN (`+marks(len(ids))+`)`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	prefix := prefixWord(ws)
	for rows.Next() {
		var id, desc string
		var cat, img sql.NullString
		if err := rows.Scan(&id, &desc, &cat, &img); err != nil {
			return err
		}
		h := &res.Hits[idx[id]]
		h.CategorySlug, h.ImageID = cat.String, img.String
		h.TitleMarked = highlight(h.Title, ws, prefix)
		h.Snippet = snippet(desc, ws, prefix)
	}
	return rows.Err()
}
