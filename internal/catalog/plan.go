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
	merchant      bool     // filtered to one merchant
	lite          bool     // on SQLite
	narrow        bool     // a category or price filter: few products pass, counting them is slow
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

// hitCols are the columns a result list shows, read by scanHit.
const hitCols = `p.id, p.title, p.merchant_id, m.slug, m.name, p.currency, p.min_price, p.in_stock, p.created_at`

func (s *Service) plan(ctx context.Context, q Query) (plan, error) {
	f := plan{sort: q.Sort, offset: (q.Page - 1) * q.PerPage, lite: s.db.Engine() == store.SQLite}
	f.limit = min(q.PerPage, MaxResults-f.offset)
	if f.limit <= 0 {
		return plan{none: true}, nil
	}
	// On SQLite a unary + keeps a condition from choosing the index: the
	// planner then walks products_newest or products_cheapest in the
	// order wanted and stops at the page's end, instead of collecting
	// every product of the category and sorting them.
	noIndex := ""
	if f.lite {
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
		f.narrow = true
	}
	if q.MerchantID != "" {
		if !validID("mer", q.MerchantID) {
			return plan{none: true}, nil
		}
		f.add("p.merchant_id = ?", q.MerchantID)
		f.merchant = true
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
		f.narrow = true
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

// from is the FROM clause over products p and merchants m. One
// merchant's products are few, and SQLite reads them through
// products_merchant: left to itself it prefers walking products_newest,
// which holds every merchant's products and, for a small shop, would be
// walked to the end.
func (f plan) from() string {
	if f.lite && f.merchant {
		return ` FROM products p INDEXED BY products_merchant JOIN merchants m ON m.id = p.merchant_id`
	}
	return ` FROM products p JOIN merchants m ON m.id = p.merchant_id`
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

// orderBy orders by the plan's price or newest sort (relevance is ranked
// in Go, see searchRanked). Ties go to the newest, or for prices to the
// ID, so the products_newest and products_cheapest indexes give the
// order.
func (f plan) orderBy() string {
	switch f.sort {
	case SortPriceAsc:
		return ` ORDER BY p.min_price, p.id`
	case SortPriceDesc:
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
