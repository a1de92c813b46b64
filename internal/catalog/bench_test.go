package catalog_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// benchVersion names the generated catalog; change it when the generator
// changes, so cached SQLite files are not reused. The schema is part of
// the cache key on its own.
const benchVersion = "v1"

const benchProducts = 100_000

// BenchmarkSearch100k runs typical searches over a 100,000-product
// catalog on SQLite. The catalog is generated on the first run (about a
// minute) and cached under os.TempDir.
func BenchmarkSearch100k(b *testing.B) {
	db := sqliteBenchDB(b)
	benchSearches(b, catalog.New(db))
}

// BenchmarkSearch100kPostgres is the same on PostgreSQL. Its catalog is
// generated for every run, in the test cluster.
func BenchmarkSearch100kPostgres(b *testing.B) {
	db := storetest.Open(b, store.Postgres)
	start := time.Now()
	if err := fillBench(context.Background(), db); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(context.Background(), `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d products on PostgreSQL in %s", benchProducts, time.Since(start).Round(time.Second))
	benchSearches(b, catalog.New(db))
}

var benchQueries = []struct {
	name string
	q    catalog.Query
}{
	{"1word", catalog.Query{Text: "shirt"}},
	{"1word-common", catalog.Query{Text: "blue"}},
	{"1word-prefix", catalog.Query{Text: "swea"}},
	{"2words", catalog.Query{Text: "wool sweater"}},
	{"3words", catalog.Query{Text: "black leather boots"}},
	{"2words-newest", catalog.Query{Text: "linen shirt", Sort: catalog.SortNewest}},
	{"1word-price-asc", catalog.Query{Text: "mug", Sort: catalog.SortPriceAsc}},
	{"1word-price-desc-page3", catalog.Query{Text: "jacket", Sort: catalog.SortPriceDesc, Page: 3}},
	{"1word-category-instock", catalog.Query{Text: "cotton", CategorySlug: "clothing", InStock: true}},
	{"1word-price-range", catalog.Query{Text: "lamp", MinPrice: &money.Amount{Minor: 1000, Currency: "EUR"}, MaxPrice: &money.Amount{Minor: 5000, Currency: "EUR"}}},
	{"2words-merchant", catalog.Query{Text: "organic cotton", MerchantID: "merchant:3"}},
	{"browse-category", catalog.Query{CategorySlug: "home"}},
	{"browse-merchant", catalog.Query{MerchantID: "merchant:3"}},
	{"browse-newest", catalog.Query{}},
	{"browse-price-asc-instock", catalog.Query{Sort: catalog.SortPriceAsc, InStock: true}},
	{"stopword", catalog.Query{Text: "and"}},
	{"stopword-price-desc", catalog.Query{Text: "the", Sort: catalog.SortPriceDesc}},
	{"no-results", catalog.Query{Text: "zqxv wool"}},
	{"typo", catalog.Query{Text: "sweatr"}},
}

func benchSearches(b *testing.B, svc *catalog.Service) {
	ctx := context.Background()
	ms, err := svc.Merchants(ctx)
	if err != nil {
		b.Fatal(err)
	}
	queries := slices.Clone(benchQueries)
	for i := range queries {
		if queries[i].q.MerchantID == "merchant:3" {
			queries[i].q.MerchantID = ms[3].ID
		}
	}
	for _, bq := range queries {
		b.Run(bq.name, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if _, err := svc.Search(ctx, bq.q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
	b.Run("mix", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		i := 0
		cpu := cpuTime()
		for b.Loop() {
			start := time.Now()
			if _, err := svc.Search(ctx, queries[i%len(queries)].q); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			i++
		}
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	})
	b.Run("mix-parallel", func(b *testing.B) {
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := svc.Search(ctx, queries[i%len(queries)].q); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "searches/s")
	})
}

// sqliteBenchDB opens the cached benchmark catalog, generating it first
// when there is none for this generator version and schema.
func sqliteBenchDB(b *testing.B) *store.DB {
	ctx := context.Background()
	ms, err := store.Migrations(store.SQLite)
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	for _, m := range ms {
		h.Write([]byte(m.SQL))
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("citadel-catalog-bench-%s-%s.db", benchVersion, hex.EncodeToString(h.Sum(nil))[:12]))
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
		db, err := store.Open(ctx, tmp)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		// No ANALYZE: a production database has no statistics either, and
		// the queries must not depend on them.
		if err := fillBench(ctx, db); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		for _, ext := range []string{"-wal", "-shm"} {
			os.Remove(tmp + ext)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d products in %s: %s", benchProducts, time.Since(start).Round(time.Second), path)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// fillBench makes the benchmark catalog: 50 merchants (two suspended),
// six top categories with two leaves each, and benchProducts products.
func fillBench(ctx context.Context, db *store.DB) error {
	svc := catalog.New(db, catalog.WithClock(func() time.Time { return time.Unix(1_750_000_000, 0) }))
	var merchants []string
	for i := range 50 {
		m, err := svc.CreateMerchant(ctx, fmt.Sprintf("Merchant %d", i), fmt.Sprintf("merchant-%d", i))
		if err != nil {
			return err
		}
		merchants = append(merchants, m.ID)
	}
	for _, i := range []int{7, 21} {
		if err := svc.SetMerchantStatus(ctx, merchants[i], catalog.StatusSuspended); err != nil {
			return err
		}
	}
	tops := []string{"Clothing", "Shoes and bags", "Home", "Furniture and tech", "Stationery and outdoor", "Sport and care"}
	var leaves []string
	for i, name := range tops {
		top, err := svc.CreateCategory(ctx, name, []string{"clothing", "shoes-bags", "home", "furniture-tech", "stationery-outdoor", "sport-care"}[i], "")
		if err != nil {
			return err
		}
		for j := range 2 {
			c, err := svc.CreateCategory(ctx, fmt.Sprintf("%s %d", name, j), fmt.Sprintf("%s-%d", top.Slug, j), top.ID)
			if err != nil {
				return err
			}
			leaves = append(leaves, c.ID)
		}
	}
	return svc.GenerateProducts(ctx, catalog.Generate{MerchantIDs: merchants, CategoryIDs: leaves, N: benchProducts, Seed: 1, Currency: "EUR"})
}
