package catalog

import (
	"context"
	"strings"

	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// plan is a normalized query turned into SQL: conditions on products p
// and merchants m, the order, and the rows wanted.
type plan struct {
	none          bool     // a filter no product passes (an unknown category)
	conds         []string // besides the two every public read has (see base)
	args          []any
	sort          Sort
	offset, limit int
}

// base are the conditions of every public read: active products of
// active merchants. Suspended merchants are few: testing against their
// set costs less than looking up each product's merchant, and lets a
// count skip the join.
const base = `p.status = 'active' AND p.merchant_id NOT IN (SELECT id FROM merchants WHERE status <> 'active')`

// hitCols are the columns a result list shows, read by scanHits.
const hitCols = `p.id, p.title, p.merchant_id, m.slug, m.name, p.currency, p.min_price, p.in_stock, p.created_at`

func (s *Service) plan(ctx context.Context, q Query) (plan, error) {
	f := plan{sort: q.Sort, offset: (q.Page - 1) * q.PerPage}
	f.limit = min(q.PerPage, MaxResults-f.offset)
	if f.limit <= 0 {
		return plan{none: true}, nil
	}
	// On SQLite a unary + keeps a condition from choosing the index: the
	// planner then walks products_newest or products_cheapest in the
	// order wanted and stops at the page's end, instead of collecting
	// every product of the category (or merchant) and sorting them.
	noIndex := ""
	if s.db.Engine() == store.SQLite {
		noIndex = "+"
	}
	if q.CategorySlug != "" {
		all, err := categories(ctx, s.db)
		if err != nil {
			return plan{}, err
		}
		ids := subtree(all, q.CategorySlug)
		if len(ids) == 0 {
			return plan{none: true}, nil
		}
		f.add(noIndex+"p.category_id IN ("+marks(len(ids))+")", toAny(ids)...)
	}
	if q.MerchantID != "" {
		if !validID("mer", q.MerchantID) {
			return plan{none: true}, nil
		}
		col := "p.merchant_id"
		if q.Sort != SortNewest {
			col = noIndex + col // products_merchant only gives the newest order
		}
		f.add(col+" = ?", q.MerchantID)
	}
	for _, b := range []struct {
		a  *money.Amount
		op string
	}{{q.MinPrice, ">="}, {q.MaxPrice, "<="}} {
		if b.a == nil {
			continue
		}
		col := "p.min_price"
		if q.Sort != SortPriceAsc && q.Sort != SortPriceDesc {
			col = noIndex + col // a price range is no help to other orders
		}
		f.add(noIndex+"p.currency = ? AND "+col+" "+b.op+" ?", string(b.a.Currency), b.a.Minor)
	}
	if q.InStock {
		f.add("p.in_stock = 1")
	}
	return f, nil
}

func (f *plan) add(cond string, args ...any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, args...)
}

// filtered reports whether the query narrows more than base does.
func (f plan) filtered() bool { return len(f.conds) > 0 }

// where is " WHERE " + base + the plan's conditions, and their arguments.
func (f plan) where() (string, []any) {
	w := ` WHERE ` + base
	for _, c := range f.conds {
		w += ` AND ` + c
	}
	return w, append([]any{}, f.args...)
}

// orderBy orders by the plan's sort; rank is the relevance ordering
// ("" when there is none: newest first instead). Ties go to the newest,
// or for prices to the ID, so the products_* indexes give the order.
func (f plan) orderBy(rank string) string {
	switch {
	case f.sort == SortRelevance && rank != "":
		return ` ORDER BY ` + rank + `, p.created_at DESC, p.id DESC`
	case f.sort == SortPriceAsc:
		return ` ORDER BY p.min_price, p.id`
	case f.sort == SortPriceDesc:
		return ` ORDER BY p.min_price DESC, p.id DESC`
	}
	return ` ORDER BY p.created_at DESC, p.id DESC`
}

// marks returns n comma-separated placeholders.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
