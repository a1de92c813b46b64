package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/app"
	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/store"
)

// TestLoad is a load generator, not a test: it runs only when
// CITADEL_LOAD=1 and prints throughput and latency for BENCHMARKS.md; it
// asserts nothing about speed. It starts the whole server (HTTPS,
// keep-alive, the WAF as configured, the rate limiter lifted out of the
// way), fills the catalog with CITADEL_LOAD_PRODUCTS products (default
// 100,000), and drives product pages, searches and API checkouts from
// CITADEL_LOAD_WORKERS concurrent clients (default 32) for
// CITADEL_LOAD_SECONDS each (default 10). CITADEL_LOAD_ENGINE picks
// sqlite (default) or postgres; CITADEL_LOAD_WAF picks block (default),
// detect or off. The client runs in the same process, on the same cores.
func TestLoad(t *testing.T) {
	if os.Getenv("CITADEL_LOAD") == "" {
		t.Skip("load generator: set CITADEL_LOAD=1 (see BENCHMARKS.md)")
	}
	env := func(k string, def int) int {
		if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
			return v
		}
		return def
	}
	products, workers, secs := env("CITADEL_LOAD_PRODUCTS", 100_000), env("CITADEL_LOAD_WORKERS", 32), env("CITADEL_LOAD_SECONDS", 10)
	engine := store.SQLite
	if os.Getenv("CITADEL_LOAD_ENGINE") == "postgres" {
		engine = store.Postgres
	}
	cfg := apptest.Config(t, engine)
	cfg.Demo = true
	if m := os.Getenv("CITADEL_LOAD_WAF"); m != "" {
		cfg.WAFMode = m
	}
	s := apptest.StartOptions(t, cfg, app.Options{LoadTest: true})
	ctx := context.Background()
	cat := catalog.New(s.DB())
	ms, err := cat.Merchants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := cat.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g := catalog.Generate{N: products, Seed: 1, Currency: "EUR"}
	for _, m := range ms {
		g.MerchantIDs = append(g.MerchantIDs, m.ID)
	}
	for _, c := range cats {
		g.CategoryIDs = append(g.CategoryIDs, c.ID)
	}
	start := time.Now()
	if err := cat.GenerateProducts(ctx, g); err != nil {
		t.Fatal(err)
	}
	if engine == store.Postgres {
		// A bulk load leaves the planner without statistics until
		// autovacuum gets to it; a running store would have them.
		if _, err := s.DB().Exec(ctx, "ANALYZE"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("engine %s, WAF %s, %d products generated in %s, %d workers, %d s per scenario, GOMAXPROCS %d",
		engine, cfg.WAFMode, products, time.Since(start).Round(time.Second), workers, secs, runtime.GOMAXPROCS(0))
	runtime.GC()
	t.Logf("RSS after loading the catalog (server and load generator, one process): %s", rss())

	// Product IDs and search words from the generated catalog.
	var ids, words []string
	rows, err := s.DB().Query(ctx, `SELECT id, title FROM products WHERE status = 'active' ORDER BY id LIMIT 5000`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, title string
		if err := rows.Scan(&id, &title); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		for _, w := range strings.Fields(strings.ToLower(title)) {
			if len(w) > 3 && len(words) < 2000 {
				words = append(words, w)
			}
		}
	}
	rows.Close()

	client := s.NewClient(nil)
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = workers
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func(path string) error {
		resp, err := client.Get(s.URL + path)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return nil
	}
	load(t, "product page", workers, secs, func(i int) error { return get("/p/" + ids[i%len(ids)]) })
	sorts := []string{"relevance", "relevance", "price_asc", "newest"}
	load(t, fmt.Sprintf("search (%d products)", products), workers, secs, func(i int) error {
		q := words[i%len(words)]
		if i%3 == 0 {
			q += "+" + words[(i*7)%len(words)]
		}
		return get("/search?q=" + q + "&sort=" + sorts[i%len(sorts)])
	})

	// Checkouts through the API: one buyer and token per worker, a demo
	// variant with ample stock.
	p, err := cat.MerchantBySlug(ctx, "northfield")
	if err != nil {
		t.Fatal(err)
	}
	list, err := cat.ListMerchant(ctx, p.ID, 1, 1)
	if err != nil || len(list.Hits) == 0 {
		t.Fatalf("no demo product: %v", err)
	}
	prod, err := cat.MerchantProduct(ctx, p.ID, list.Hits[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New(s.DB(), nil)
	whs, err := inv.Warehouses(ctx, p.ID)
	if err != nil || len(whs) == 0 {
		t.Fatalf("no demo warehouse: %v", err)
	}
	if _, err := inv.SetStock(ctx, p.ID, prod.Variants[0].ID, whs[0].ID, 1_000_000); err != nil {
		t.Fatal(err)
	}
	buyers := make([]*apiUser, min(workers, 8)) // sign-ups mail links: keep them few
	for w := range buyers {
		buyers[w] = newAPIBuyer(t, s, "127.0.0.1", fmt.Sprintf("load%d@example.com", w), "cart.write", "order.create", "order.read")
		buyers[w].c = client
	}
	item := jsonBody(map[string]any{"variant_id": prod.Variants[0].ID, "quantity": 1})
	load(t, "checkout (API: add to cart + check out, 2 requests)", len(buyers), secs, func(i int) error {
		u := buyers[i%len(buyers)]
		if r, _ := u.call("POST", "/api/v1/cart/items", item); r.StatusCode != 201 && r.StatusCode != 200 {
			return fmt.Errorf("add: %d", r.StatusCode)
		}
		if r, body := u.call("POST", "/api/v1/checkout", checkoutJSON("standard")); r.StatusCode != 201 {
			return fmt.Errorf("checkout: %d %s", r.StatusCode, body)
		}
		return nil
	})
	runtime.GC()
	t.Logf("RSS at the end: %s", rss())
}

// load runs fn from workers goroutines for secs seconds and reports
// operations per second and latency percentiles. fn's argument is a
// per-worker sequence number, offset so workers spread over the data
// (each worker owns index values congruent to its number).
func load(t *testing.T, name string, workers, secs int, fn func(i int) error) {
	t.Helper()
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	lat := make([][]time.Duration, workers)
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	begin := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(deadline); i += workers {
				t0 := time.Now()
				if err := fn(i); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		t.Errorf("%s: nothing succeeded: %v", name, firstErr.Load())
		return
	}
	pct := func(p float64) time.Duration { return all[int(float64(len(all)-1)*p)].Round(100 * time.Microsecond) }
	t.Logf("%-52s %8.0f ops/s  p50 %-8s p99 %-8s max %-8s failed %d",
		name, float64(len(all))/elapsed.Seconds(), pct(0.50), pct(0.99), all[len(all)-1].Round(time.Millisecond), failed.Load())
	if e := firstErr.Load(); e != nil {
		t.Logf("  first failure: %v", e)
	}
}

func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	var cur, peak string
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			cur = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			peak = strings.TrimSpace(v)
		}
	}
	return cur + " (peak " + peak + ")"
}
