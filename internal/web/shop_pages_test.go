package web

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// shopFixture is the shop's pages over a fresh SQLite store with one
// merchant, one category and a shirt in three sizes: plenty of S, three
// M, no L.
type shopFixture struct {
	mux     *http.ServeMux
	p       *Pages
	cat     *catalog.Service
	carts   *cart.Service
	shop    catalog.Merchant
	shirt   catalog.Product
	s, m, l string // variant IDs
}

func newShopFixture(t *testing.T) *shopFixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	f := &shopFixture{cat: catalog.New(db), carts: cart.New(db, nil)}
	inv := inventory.New(db, nil)
	f.p = New(nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil).WithCommerce(f.cat, inv, f.carts, nil)
	f.mux = http.NewServeMux()
	f.p.Routes(f.mux)
	var err error
	must := func() {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.shop, err = f.cat.CreateMerchant(ctx, "Acme Outfitters", "acme")
	must()
	clothing, err := f.cat.CreateCategory(ctx, "Clothing", "clothing", "")
	must()
	np := catalog.NewProduct{CategoryID: clothing.ID, Title: "Red linen shirt", Description: "A shirt of red linen.", Currency: "EUR"}
	for _, size := range []string{"S", "M", "L"} {
		np.Variants = append(np.Variants, catalog.NewVariant{SKU: "RLS-" + size, Title: size, Options: map[string]string{"size": size},
			Price: money.New(1990, "EUR")})
	}
	f.shirt, err = f.cat.CreateProduct(ctx, f.shop.ID, np)
	must()
	f.s, f.m, f.l = f.shirt.Variants[0].ID, f.shirt.Variants[1].ID, f.shirt.Variants[2].ID
	wh, err := inv.CreateWarehouse(ctx, f.shop.ID, "Main", "DE")
	must()
	for id, n := range map[string]int{f.s: 50, f.m: 3, f.l: 0} {
		_, err = inv.SetStock(ctx, f.shop.ID, id, wh.ID, n)
		must()
	}
	return f
}

// get serves a GET with the given cookies.
func (f *shopFixture) get(t *testing.T, target string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest("GET", "https://shop.test"+target, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return f.serve(r)
}

// post serves a form post with a valid CSRF token and the given cookies.
func (f *shopFixture) post(t *testing.T, target string, v url.Values, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	const tok = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst" // 52 lower-case base32 characters, as the cookie holds
	v.Set("csrf", tok)
	r := httptest.NewRequest("POST", "https://shop.test"+target, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: httpx.CSRFCookie, Value: tok})
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return f.serve(r)
}

func (f *shopFixture) serve(r *http.Request) (*http.Response, string) {
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, r)
	return w.Result(), w.Body.String()
}

func TestShopHomeListsCategoriesAndNewest(t *testing.T) {
	f := newShopFixture(t)
	w := httptest.NewRecorder()
	f.p.shopHome(w, httptest.NewRequest("GET", "https://shop.test/", nil))
	body := w.Body.String()
	for _, want := range []string{`href="/c/clothing"`, "Red linen shirt", `href="/p/` + f.shirt.ID + `"`, `action="/search"`} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
}

func TestProductPageShowsStockPerVariant(t *testing.T) {
	f := newShopFixture(t)
	resp, body := f.get(t, "/p/"+f.shirt.ID)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"Red linen shirt", "19.90 EUR", "Acme Outfitters", "In stock", "Only 3 left", "Out of stock",
		`value="` + f.l + `" disabled`, `name="csrf"`, `action="/cart/add"`} {
		if !strings.Contains(body, want) {
			t.Errorf("product page lacks %q", want)
		}
	}
	for _, id := range []string{"prd_aaaaaaaaaaaaaaaaaaaaaaaaaa", "nonsense", f.s} {
		if resp, _ := f.get(t, "/p/"+id); resp.StatusCode != 404 {
			t.Errorf("/p/%s: %d, want 404", id, resp.StatusCode)
		}
	}
}

func TestProductImage(t *testing.T) {
	f := newShopFixture(t)
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 3)))
	id, err := f.cat.AddImage(context.Background(), f.shop.ID, f.shirt.ID, b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	resp, body := f.get(t, "/images/"+id)
	if resp.StatusCode != 200 || body != b.String() {
		t.Fatalf("image: %d, %d bytes", resp.StatusCode, len(body))
	}
	for h, want := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "default-src 'none'", "Cache-Control": imageCache} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	r := httptest.NewRequest("GET", "https://shop.test/images/"+id, nil)
	r.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if resp, body := f.serve(r); resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation: %d with %d bytes", resp.StatusCode, len(body))
	}
	if _, body := f.get(t, "/p/"+f.shirt.ID); !strings.Contains(body, `src="/images/`+id+`"`) {
		t.Error("product page does not show the image")
	}
	t.Run("fail/archived-product", func(t *testing.T) {
		if err := f.cat.ArchiveProduct(context.Background(), f.shop.ID, f.shirt.ID); err != nil {
			t.Fatal(err)
		}
		if resp, body := f.get(t, "/images/"+id); resp.StatusCode != 404 || strings.Contains(body, "PNG") {
			t.Fatalf("image of an archived product: %d", resp.StatusCode)
		}
	})
	if resp, _ := f.get(t, "/images/img_aaaaaaaaaaaaaaaaaaaaaaaaaa"); resp.StatusCode != 404 {
		t.Errorf("unknown image: %d", resp.StatusCode)
	}
}

func TestFavicon(t *testing.T) {
	f := newShopFixture(t)
	resp, body := f.get(t, "/favicon.ico")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(body, "\x00\x00\x01\x00") {
		t.Fatalf("favicon: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
}

// Whatever the search text, the page answers 200 with a results page:
// the text never reaches the database as query syntax, and what is shown
// again is escaped.
func TestSearchHostileText(t *testing.T) {
	f := newShopFixture(t)
	for _, q := range []string{
		`"red`, `red"`, `"`, `*`, `red*`, `NEAR(red linen)`, `red NEAR linen`, `(((`, `)`, `red OR 1=1 --`, `' OR ''='`,
		`{title}: red`, `title:red`, `^red`, `red AND NOT linen`, `-red`, `\`, `%`, `_`, "\xff\xfe\xfd", "red\x00linen",
		strings.Repeat("red ", 2500), strings.Repeat("(", 10<<10), `<script>alert(1)</script>`, `&lt;b&gt;`,
	} {
		resp, body := f.get(t, "/search?q="+url.QueryEscape(q))
		if resp.StatusCode != 200 {
			t.Errorf("%.30q: status %d", q, resp.StatusCode)
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("%.30q: reflected unescaped", q)
		}
	}
	_, body := f.get(t, "/search?q=RED+lin")
	if !strings.Contains(body, "<mark>Red</mark> <mark>linen</mark> shirt") {
		t.Errorf("no highlighted title in:\n%s", body)
	}
}

func TestSearchBadFiltersAre400WithTheForm(t *testing.T) {
	f := newShopFixture(t)
	for _, tc := range []struct{ name, query, msg string }{
		{"fail/price-not-numeric", "q=shirt&min=abc", "as a number"},
		{"fail/fraction-of-a-cent", "q=shirt&max=1.005", "decimal places"},
		{"fail/unknown-sort", "q=shirt&sort=cheapest", "sort"},
		{"fail/unknown-category", "q=shirt&category=nope", "categories"},
		{"fail/unknown-merchant", "q=shirt&merchant=nope", "shops"},
		{"fail/page", "q=shirt&page=x", "page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.get(t, "/search?"+tc.query)
			if resp.StatusCode != 400 || !strings.Contains(body, tc.msg) || !strings.Contains(body, `name="q" value="shirt"`) {
				t.Fatalf("status %d; body:\n%s", resp.StatusCode, body)
			}
			if strings.Contains(body, "Red linen shirt") {
				t.Fatal("results shown for a refused search")
			}
		})
	}
}

func TestGuestCartCookie(t *testing.T) {
	f := newShopFixture(t)
	if resp, _ := f.get(t, "/cart"); len(resp.Cookies()) > 1 { // the CSRF cookie only
		t.Fatalf("viewing an empty cart set cookies: %v", resp.Cookies())
	}
	resp, _ := f.post(t, "/cart/add", url.Values{"product": {f.shirt.ID}, "variant": {f.s}, "quantity": {"2"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	var c *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == CartCookie {
			c = x
		}
	}
	if c == nil || !cart.IsGuest(c.Value) || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" ||
		c.MaxAge != 30*24*3600 {
		t.Fatalf("cart cookie %+v", c)
	}
	_, body := f.get(t, "/cart", c)
	if !strings.Contains(body, "Red linen shirt") || !strings.Contains(body, "39.80 EUR") || !strings.Contains(body, `(2)`) {
		t.Fatalf("cart page:\n%s", body)
	}
	t.Run("fail/forged-cookie", func(t *testing.T) {
		resp, body := f.get(t, "/cart", &http.Cookie{Name: CartCookie, Value: "acc_" + c.Value[4:]})
		if strings.Contains(body, "Red linen shirt") {
			t.Fatal("a cookie that is not a guest ID reached a cart")
		}
		for _, x := range resp.Cookies() {
			if x.Name == CartCookie && x.MaxAge >= 0 {
				t.Fatalf("the forged cookie was kept: %+v", x)
			}
		}
	})
	t.Run("fail/other-guest", func(t *testing.T) {
		_, body := f.get(t, "/cart", &http.Cookie{Name: CartCookie, Value: "gst_aaaaaaaaaaaaaaaaaaaaaaaaaa"})
		if strings.Contains(body, "Red linen shirt") {
			t.Fatal("another guest's ID shows this cart")
		}
	})
}
