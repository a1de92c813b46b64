package catalog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// Generate describes a synthetic catalog for GenerateProducts.
type Generate struct {
	MerchantIDs []string // at least one; products are spread over them
	CategoryIDs []string // optional; a product's category follows its kind
	N           int      // products
	Seed        int64    // the same seed gives the same titles, prices and spread
	Currency    money.Currency
}

// genBatch is how many products go into one INSERT; genTx how many into
// one transaction.
const genBatch, genTx = 200, 5000

// GenerateProducts adds g.N synthetic products (titles and descriptions
// from word lists, one to three variants, 2% archived, most in stock)
// created over the two years before now, for benchmarks and load tests.
// It writes in large batches and skips the checks of CreateProduct: it
// makes only valid rows. It sets variants.available itself, as inventory
// would.
func (s *Service) GenerateProducts(ctx context.Context, g Generate) error {
	if len(g.MerchantIDs) == 0 || g.N < 0 || !g.Currency.Valid() {
		return fmt.Errorf("catalog: generate: need merchants, a currency and N >= 0")
	}
	rng := rand.New(rand.NewPCG(uint64(g.Seed), 0x5eed))
	brands := make([]string, 400)
	for i := range brands {
		b := syllables[rng.IntN(len(syllables))] + syllables[rng.IntN(len(syllables))]
		if rng.IntN(3) == 0 {
			b += syllables[rng.IntN(len(syllables))]
		}
		brands[i] = strings.ToUpper(b[:1]) + b[1:]
	}
	end := store.Micros(s.now())
	span := int64(2 * 365 * 24 * time.Hour / time.Microsecond)
	for done := 0; done < g.N; {
		n := min(genTx, g.N-done)
		err := s.db.Tx(ctx, func(tx *store.Tx) error {
			for b := 0; b < n; b += genBatch {
				var prods, vars []any
				for i := b; i < min(b+genBatch, n); i++ {
					created := end - span + span*int64(done+i)/int64(max(g.N, 1)) // older first, as rowids grow
					p, vs := genProduct(rng, g, brands, created)
					prods = append(prods, p...)
					vars = append(vars, vs...)
				}
				if err := insertRows(ctx, tx, `INSERT INTO products (id, merchant_id, category_id, title, description, status,
					currency, min_price, in_stock, created_at, updated_at) VALUES `, 11, prods); err != nil {
					return err
				}
				if err := insertRows(ctx, tx, `INSERT INTO variants (id, product_id, sku, title, options, price_minor,
					currency, status, available, position) VALUES `, 10, vars); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("catalog: generate: %w", err)
		}
		done += n
	}
	return nil
}

// genProduct makes one product row and its variant rows.
func genProduct(rng *rand.Rand, g Generate, brands []string, created int64) (prod, vars []any) {
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	dept := rng.IntN(len(departments))
	noun := pick(departments[dept])
	adj, colour, material := pick(adjectives), pick(colours), pick(materials)
	brand := brands[int(float64(len(brands))*rng.Float64()*rng.Float64())] // a few brands are common
	parts := []string{brand}
	for _, w := range []string{adj, colour, material} {
		if rng.IntN(3) > 0 {
			parts = append(parts, w)
		}
	}
	parts = append(parts, noun)
	if rng.IntN(4) == 0 {
		parts = append(parts, pick(features))
	}
	title := strings.ToUpper(parts[0][:1]) + strings.Join(parts, " ")[1:]
	var desc []string
	for _, i := range rng.Perm(len(sentences))[:2+rng.IntN(4)] {
		desc = append(desc, fmt.Sprintf(sentences[i], adj, noun, material, colour, pick(places), brand,
			pick(occasions), pick(occasions), pick(departments[dept]), pick(adjectives)))
	}
	id := ids.New("prd")
	var category any
	if len(g.CategoryIDs) > 0 {
		category = g.CategoryIDs[dept%len(g.CategoryIDs)]
	}
	status := StatusActive
	if rng.IntN(50) == 0 {
		status = StatusArchived
	}
	base := int64(500 + rng.ExpFloat64()*4000) // most items cheap, a long tail of dear ones
	nv := 1 + rng.IntN(3)
	minPrice, inStock := int64(-1), 0
	sizes := []string{"S", "M", "L"}
	for v := range nv {
		price := base + int64(v)*250
		avail := 0
		if rng.IntN(6) > 0 {
			avail = rng.IntN(40) + 1
			inStock = 1
		}
		if minPrice < 0 || price < minPrice {
			minPrice = price
		}
		opts := fmt.Sprintf(`{"colour":%q,"size":%q}`, colour, sizes[v])
		vars = append(vars, ids.New("var"), id, fmt.Sprintf("SKU-%s-%d", id[4:14], v), sizes[v]+" / "+colour, opts,
			price, string(g.Currency), StatusActive, avail, v)
	}
	prod = []any{id, g.MerchantIDs[rng.IntN(len(g.MerchantIDs))], category, title, strings.Join(desc, " "), status,
		string(g.Currency), minPrice, inStock, created, created}
	return prod, vars
}

// insertRows runs one multi-row INSERT of len(args)/cols rows.
func insertRows(ctx context.Context, tx *store.Tx, head string, cols int, args []any) error {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	rows := strings.TrimSuffix(strings.Repeat(row+", ", len(args)/cols), ", ")
	_, err := tx.Exec(ctx, head+rows, args...)
	return err
}
