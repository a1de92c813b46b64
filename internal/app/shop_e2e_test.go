package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
	"github.com/citadel-store/citadel/internal/web"
)

var (
	shopOrderRe   = regexp.MustCompile(`^/orders/(ord_[a-z2-7]{26})\?placed=1$`)
	shopVariantRe = regexp.MustCompile(`name="variant" value="(var_[a-z2-7]{26})"`)
)

// shopServer starts the demo store and returns it with the demo shopper's
// password.
func shopServer(t *testing.T, e store.Engine) (*apptest.Server, string) {
	t.Helper()
	cfg := apptest.Config(t, e)
	cfg.Demo = true
	s := apptest.Start(t, cfg)
	m := demoRe.FindStringSubmatch(s.Stdout.String())
	if m == nil {
		t.Fatalf("no demo shopper in the banner:\n%s", s.Stdout.String())
	}
	return s, m[1]
}

// shopProductPath finds the product page linked from the card titled
// title in a listing.
func shopProductPath(t *testing.T, body, title string) string {
	t.Helper()
	i := strings.Index(body, title)
	j := strings.LastIndex(body[:max(i, 0)], `href="/p/`)
	if i < 0 || j < 0 {
		t.Fatalf("no product card %q in:\n%s", title, body)
	}
	path := body[j+len(`href="`):]
	return path[:strings.IndexByte(path, '"')]
}

// shopVariant returns the ID of the variant labelled label on a product
// page ("" for the first variant offered).
func shopVariant(t *testing.T, body, label string) string {
	t.Helper()
	re := shopVariantRe
	if label != "" {
		re = regexp.MustCompile(`value="(var_[a-z2-7]{26})"[^>]*>\s*<span class="vtitle">` + regexp.QuoteMeta(label) + `<`)
	}
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no variant %q on the product page", label)
	}
	return m[1]
}

// shopAdd puts qty of a variant in c's cart from the product page.
func shopAdd(t *testing.T, s *apptest.Server, c *http.Client, productPath, variant, qty string) (*http.Response, string) {
	t.Helper()
	return form(t, s, c, productPath, "/cart/add", url.Values{"product": {strings.TrimPrefix(productPath, "/p/")},
		"variant": {variant}, "quantity": {qty}})
}

func shopSignIn(t *testing.T, s *apptest.Server, c *http.Client, email, pw string) {
	t.Helper()
	if r, _ := form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}}); r.Header.Get("Location") != "/account" {
		t.Fatalf("sign-in as %s: %d %s", email, r.StatusCode, r.Header.Get("Location"))
	}
}

// shopAddress is a valid German delivery address for the checkout form.
func shopAddress(action string) url.Values {
	return url.Values{"name": {"Ada Lovelace"}, "line1": {"Unter den Linden 1"}, "city": {"Berlin"}, "postcode": {"10115"},
		"country": {"DE"}, "method": {"standard"}, "action": {action}}
}

func hasCartCookie(c *http.Client, base string) bool {
	u, _ := url.Parse(base)
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == web.CartCookie {
			return true
		}
	}
	return false
}

// The shopper's whole path over HTTPS on both engines: browse as a guest,
// fill a guest cart, sign in (the cart comes along), check out with an
// address and a delivery method, see the order waiting for payment, find
// it in the history, and cancel it; another shopper gets 404 for it.
func TestShopJourney(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			s, pw := shopServer(t, e)
			shopJourney(t, s, pw)
		})
	}
}

func shopJourney(t *testing.T, s *apptest.Server, pw string) {
	c := s.NewClient(nil)
	resp, body := do(t, c, "GET", s.URL+"/", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `action="/search"`) || !strings.Contains(body, `href="/cart"`) {
		t.Fatalf("home: %d\n%s", resp.StatusCode, body)
	}
	_, body = do(t, c, "GET", s.URL+"/c/outdoors", nil)
	tent := shopProductPath(t, body, "Two-person backpacking tent")
	resp, body = do(t, c, "GET", s.URL+tent, nil)
	for _, want := range []string{"Two-person backpacking tent", "289.00 EUR", "Summit Outfitters", "Only 5 left", `action="/cart/add"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("product page (%d) lacks %q:\n%s", resp.StatusCode, want, body)
		}
	}
	if hasCartCookie(c, s.URL) {
		t.Fatal("browsing made a guest cart")
	}

	// A guest cart, then sign-in: the cart is merged and the cookie gone.
	if r, _ := shopAdd(t, s, c, tent, shopVariant(t, body, ""), "1"); r.StatusCode != 303 || r.Header.Get("Location") != "/cart?m=added" {
		t.Fatalf("add as guest: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if !hasCartCookie(c, s.URL) {
		t.Fatal("no guest cart cookie after adding")
	}
	_, body = do(t, c, "GET", s.URL+"/cart?m=added", nil)
	if !strings.Contains(body, "Added to your cart.") || !strings.Contains(body, `<span class="count">(1)</span>`) ||
		!strings.Contains(body, "/signin?next=/checkout") {
		t.Fatalf("guest cart:\n%s", body)
	}
	shopSignIn(t, s, c, "shopper@demo.citadel.test", pw)
	_, body = do(t, c, "GET", s.URL+"/cart", nil)
	if !strings.Contains(body, "Two-person backpacking tent") || !strings.Contains(body, `href="/checkout"`) {
		t.Fatalf("the guest cart did not follow the sign-in:\n%s", body)
	}
	if hasCartCookie(c, s.URL) {
		t.Fatal("guest cart cookie kept after the merge")
	}

	// Checkout: the first view previews Germany, standard delivery (free
	// above 50 EUR), 19 % tax; another country and method re-price it.
	_, body = do(t, c, "GET", s.URL+"/checkout", nil)
	for _, want := range []string{`<option value="DE" selected>Germany</option>`, "Standard delivery", "Express delivery",
		"<td>Free</td>", "54.91 EUR", "343.91 EUR", "you pay on the next page"} {
		if !strings.Contains(body, want) {
			t.Fatalf("checkout page lacks %q:\n%s", want, body)
		}
	}
	preview := shopAddress("preview")
	preview.Set("country", "GB")
	preview.Set("method", "express")
	if r, body := form(t, s, c, "/cart", "/checkout", preview); r.StatusCode != 200 || !strings.Contains(body, "365.88 EUR") ||
		!strings.Contains(body, `value="Unter den Linden 1"`) {
		t.Fatalf("preview for GB express (%d):\n%s", r.StatusCode, body)
	}
	bad := shopAddress("place")
	bad.Set("name", "")
	if r, body := form(t, s, c, "/cart", "/checkout", bad); r.StatusCode != 422 || !strings.Contains(body, "Name: ") ||
		!strings.Contains(body, `value="Berlin"`) {
		t.Fatalf("checkout without a name (%d):\n%s", r.StatusCode, body)
	}
	r, _ := form(t, s, c, "/cart", "/checkout", shopAddress("place"))
	m := shopOrderRe.FindStringSubmatch(r.Header.Get("Location"))
	if r.StatusCode != 303 || m == nil {
		t.Fatalf("place order: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	orderID := m[1]
	_, body = do(t, c, "GET", s.URL+"/orders/"+orderID+"?placed=1", nil)
	for _, want := range []string{"Thank you: your order is placed.", "Waiting for payment", "Pay now",
		"343.91 EUR", "Ada Lovelace", "Summit Outfitters", "SO-TNT-2P"} {
		if !strings.Contains(body, want) {
			t.Fatalf("order page lacks %q:\n%s", want, body)
		}
	}
	// A second click on "Place order" finds the cart empty and links the order.
	if r, body := form(t, s, c, "/cart", "/checkout", shopAddress("place")); r.StatusCode != 409 || !strings.Contains(body, "/orders/"+orderID) {
		t.Fatalf("resubmitted checkout (%d):\n%s", r.StatusCode, body)
	}
	if _, body := do(t, c, "GET", s.URL+"/orders", nil); !strings.Contains(body, orderID) || !strings.Contains(body, "343.91 EUR") {
		t.Fatalf("order history:\n%s", body)
	}
	if _, body := do(t, c, "GET", s.URL+tent, nil); !strings.Contains(body, "Only 4 left") {
		t.Fatal("the order did not reserve the tent")
	}

	t.Run("fail/other-buyer-order", func(t *testing.T) {
		other := s.NewClient(nil)
		signUp(t, s, other, "other.buyer@example.com", "quiet harbour lantern 58")
		shopSignIn(t, s, other, "other.buyer@example.com", "quiet harbour lantern 58")
		for _, tc := range []struct{ method, path string }{{"GET", "/orders/" + orderID}, {"POST", "/orders/" + orderID + "/cancel"}} {
			var r *http.Response
			var body string
			if tc.method == "GET" {
				r, body = do(t, other, "GET", s.URL+tc.path, nil)
			} else {
				r, body = form(t, s, other, "/orders", tc.path, url.Values{"reason": {"Changed my mind"}})
			}
			if r.StatusCode != 404 {
				t.Fatalf("%s %s as another buyer: %d", tc.method, tc.path, r.StatusCode)
			}
			for _, leak := range []string{orderID, "343.91", "Ada Lovelace", "Unter den Linden", "backpacking"} {
				if strings.Contains(body, leak) {
					t.Fatalf("%s %s as another buyer shows %q", tc.method, tc.path, leak)
				}
			}
		}
		if _, body := do(t, other, "GET", s.URL+"/orders", nil); strings.Contains(body, orderID) {
			t.Fatal("another buyer's history lists the order")
		}
	})

	// Cancelling gives a reason, records it and returns the stock.
	if r, _ := form(t, s, c, "/orders/"+orderID, "/orders/"+orderID+"/cancel", url.Values{"reason": {"Ordered by mistake"}}); r.StatusCode != 303 {
		t.Fatalf("cancel: %d", r.StatusCode)
	}
	_, body = do(t, c, "GET", s.URL+"/orders/"+orderID, nil)
	if !strings.Contains(body, "Cancelled") || !strings.Contains(body, "(Ordered by mistake)") || strings.Contains(body, "/cancel") {
		t.Fatalf("cancelled order page:\n%s", body)
	}
	if r, _ := form(t, s, c, "/orders/"+orderID, "/orders/"+orderID+"/cancel", url.Values{"reason": {"Ordered by mistake"}}); r.StatusCode != 409 {
		t.Fatalf("cancelling twice: %d", r.StatusCode)
	}
	if _, body := do(t, c, "GET", s.URL+tent, nil); !strings.Contains(body, "Only 5 left") {
		t.Fatal("cancelling did not return the stock")
	}
	noClearText(t, s, "Unter den Linden", "Ada Lovelace")
}

// shopCatalogFixture reaches the demo store's catalog and stock directly,
// as a merchant's back office would change them.
type shopCatalogFixture struct {
	cat *catalog.Service
	inv *inventory.Service
	ctx context.Context
}

func (f shopCatalogFixture) merchant(t *testing.T, slug string) catalog.Merchant {
	t.Helper()
	m, err := f.cat.MerchantBySlug(f.ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f shopCatalogFixture) product(t *testing.T, m catalog.Merchant, path string) catalog.Product {
	t.Helper()
	p, err := f.cat.MerchantProduct(f.ctx, m.ID, strings.TrimPrefix(path, "/p/"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f shopCatalogFixture) setStock(t *testing.T, m catalog.Merchant, variant string, n int) {
	t.Helper()
	whs, err := f.inv.Warehouses(f.ctx, m.ID)
	if err != nil || len(whs) == 0 {
		t.Fatalf("warehouses: %v", err)
	}
	if _, err := f.inv.SetStock(f.ctx, m.ID, variant, whs[0].ID, n); err != nil {
		t.Fatal(err)
	}
}

// inOrder fails unless the titles appear in body in this order.
func inOrder(t *testing.T, body string, titles ...string) {
	t.Helper()
	last := -1
	for _, title := range titles {
		i := strings.Index(body, title)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order (want %q)", title, titles)
		}
		last = i
	}
}

// Browsing and search over HTTPS: categories with pages, a storefront,
// highlighted matches, filters, sorting, suggestions for no results, a
// 400 with the form for bad filters, and no 500 for any search text.
func TestShopCatalogPages(t *testing.T) {
	t.Parallel()
	s, _ := shopServer(t, store.SQLite)
	f := shopCatalogFixture{cat: catalog.New(s.DB()), inv: inventory.New(s.DB(), nil), ctx: t.Context()}
	c := s.NewClient(nil)
	get := func(path string) (int, string) {
		t.Helper()
		r, body := do(t, c, "GET", s.URL+path, nil)
		if r.StatusCode == http.StatusTooManyRequests { // the search rate limit: wait for it once
			time.Sleep(time.Second)
			r, body = do(t, c, "GET", s.URL+path, nil)
		}
		return r.StatusCode, body
	}
	if code, body := get("/c/kitchen"); code != 200 || !strings.Contains(body, "6 products") || !strings.Contains(body, "Cast iron skillet, 26 cm") {
		t.Fatalf("kitchen (%d):\n%s", code, body)
	}
	if code, body := get("/m/northfield"); code != 200 || !strings.Contains(body, "Northfield Kitchenware") || !strings.Contains(body, "Chef&#39;s knife") {
		t.Fatalf("storefront (%d):\n%s", code, body)
	}
	for _, path := range []string{"/c/nope", "/m/nope", "/p/prd_aaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if code, _ := get(path); code != 404 {
			t.Errorf("%s: %d", path, code)
		}
	}

	// 25 more books: the category runs to a second page.
	oak := f.merchant(t, "oak-ink")
	books, err := f.cat.CategoryBySlug(f.ctx, "books")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		sku := "OI-EXTRA-" + string(rune('A'+i))
		if _, err := f.cat.CreateProduct(f.ctx, oak.ID, catalog.NewProduct{CategoryID: books.ID, Title: "Almanac volume " + string(rune('A'+i)),
			Description: "A yearly almanac.", Currency: "EUR", Variants: []catalog.NewVariant{{SKU: sku, Title: "Paperback", Price: money.New(9900, "EUR")}}}); err != nil {
			t.Fatal(err)
		}
	}
	code, body := get("/c/books")
	if code != 200 || !strings.Contains(body, `href="/c/books?page=2"`) || strings.Contains(body, "The Art of Bread") {
		t.Fatalf("books page 1 (%d):\n%s", code, body)
	}
	if code, body := get("/c/books?page=2"); code != 200 || !strings.Contains(body, "The Art of Bread") || !strings.Contains(body, `href="/c/books"`) {
		t.Fatalf("books page 2 (%d):\n%s", code, body)
	}
	for _, page := range []string{"0", "417", "x"} {
		if code, _ := get("/c/books?page=" + page); code != 400 {
			t.Errorf("/c/books?page=%s: %d", page, code)
		}
	}

	_, body = get("/search?q=cast+iron")
	if !strings.Contains(body, "<mark>Cast</mark> <mark>iron</mark> skillet") || !strings.Contains(body, `name="q" value="cast iron"`) {
		t.Fatalf("highlight:\n%s", body)
	}
	_, body = get("/search?category=books&sort=price_asc")
	inOrder(t, body, "Cryptography in Plain Words", "Trails of the Alps", "The Art of Bread", "Joinery for Beginners", "Almanac volume")
	_, body = get("/search?category=kitchen&sort=price_desc")
	inOrder(t, body, "Enamelled dutch oven", "Chef&#39;s knife", "Pour-over coffee kettle", "Cast iron skillet", "Stoneware mixing bowls", "Olive wood cutting board")
	_, body = get("/search?category=kitchen&min=30&max=40")
	if !strings.Contains(body, "Cast iron skillet") || !strings.Contains(body, "Stoneware mixing bowls") ||
		strings.Contains(body, "Olive wood cutting board") || strings.Contains(body, "Pour-over coffee kettle") {
		t.Fatalf("price filter:\n%s", body)
	}
	if _, body = get("/search?q=saw&merchant=oak-ink"); !strings.Contains(body, "Japanese pull <mark>saw</mark>") {
		t.Fatalf("merchant filter:\n%s", body)
	}
	summit := f.merchant(t, "summit")
	_, body = get("/search?q=headlamp")
	lamp := f.product(t, summit, shopProductPath(t, body, "Headlamp"))
	f.setStock(t, summit, lamp.Variants[0].ID, 0)
	if _, body = get("/search?q=headlamp&instock=1"); strings.Contains(body, "Headlamp</mark>, 400 lumen") || !strings.Contains(body, "No results") {
		t.Fatalf("in-stock filter kept a product out of stock:\n%s", body)
	}
	if _, body = get("/search?q=headlamp"); !strings.Contains(body, "Headlamp") || !strings.Contains(body, "Out of stock") {
		t.Fatalf("without the in-stock filter:\n%s", body)
	}
	if _, body = get("/search?q=skilet"); !strings.Contains(body, "No results") || !strings.Contains(body, `href="/search?q=skillet"`) {
		t.Fatalf("spelling suggestion:\n%s", body)
	}
	if _, body = get("/search?q=tent&category=books"); !strings.Contains(body, `href="/search?q=tent"`) {
		t.Fatalf("suggestion without the filter:\n%s", body)
	}
	for _, tc := range []struct{ name, query, msg string }{
		{"fail/price-not-numeric", "q=tent&min=cheap", "as a number"},
		{"fail/fraction-of-a-cent", "q=tent&max=10.001", "decimal places"},
		{"fail/unknown-sort", "q=tent&sort=popular", "sort orders"},
	} {
		code, body := get("/search?" + tc.query)
		if code != 400 || !strings.Contains(body, tc.msg) || !strings.Contains(body, `name="q" value="tent"`) || strings.Contains(body, "backpacking") {
			t.Errorf("%s: %d\n%s", tc.name, code, body)
		}
	}

	// Hostile text is plain text to the search. The firewall may refuse
	// some of it (403); nothing answers 5xx.
	for _, q := range []string{`"tent`, `tent*`, `NEAR(tent bag)`, `tent NEAR/2 bag`, `((((`, `tent) OR (1=1`, `{title}:tent`,
		"\xff\xfe", strings.Repeat("tent ", 2000), `<script>alert(1)</script>`, `' OR ''='`, `%00`} {
		time.Sleep(200 * time.Millisecond) // stay inside the search rate limit
		code, body := get("/search?q=" + url.QueryEscape(q))
		t.Logf("search %.24q: %d", q, code)
		if code >= 500 || code == 429 || strings.Contains(body, "<script>alert") {
			t.Errorf("search %.24q: %d", q, code)
		}
	}
}

// The cart refuses what it must and changes nothing when it does; a
// cart checkout would refuse sends the shopper back to it with the
// reason; a sale that runs out of stock between the checkout page and
// "Place order" orders nothing.
func TestShopCartRules(t *testing.T) {
	t.Parallel()
	s, pw := shopServer(t, store.SQLite)
	f := shopCatalogFixture{cat: catalog.New(s.DB()), inv: inventory.New(s.DB(), nil), ctx: t.Context()}
	g := s.NewClient(nil)
	_, body := do(t, g, "GET", s.URL+"/search?q=rain+jacket", nil)
	jacket := shopProductPath(t, body, "rain</mark> <mark>jacket")
	_, body = do(t, g, "GET", s.URL+jacket, nil)
	small := shopVariant(t, body, "S / Blue")
	if !strings.Contains(body, "Only 3 left") {
		t.Fatalf("jacket page:\n%s", body)
	}
	emptyCart := func(t *testing.T) {
		t.Helper()
		if _, body := do(t, g, "GET", s.URL+"/cart", nil); !strings.Contains(body, "Your cart is empty") || hasCartCookie(g, s.URL) {
			t.Fatalf("the cart changed:\n%s", body)
		}
	}
	productID := strings.TrimPrefix(jacket, "/p/")
	for _, tc := range []struct {
		name   string
		fields url.Values
		want   int
	}{
		{"fail/zero-quantity", url.Values{"product": {productID}, "variant": {small}, "quantity": {"0"}}, 422},
		{"fail/quantity-over-10000", url.Values{"product": {productID}, "variant": {small}, "quantity": {"10001"}}, 422},
		{"fail/negative-quantity", url.Values{"product": {productID}, "variant": {small}, "quantity": {"-2"}}, 422},
		{"fail/fractional-quantity", url.Values{"product": {productID}, "variant": {small}, "quantity": {"1.5"}}, 422},
		{"fail/unknown-variant", url.Values{"product": {productID}, "variant": {"var_aaaaaaaaaaaaaaaaaaaaaaaaaa"}, "quantity": {"1"}}, 422},
		{"fail/malformed-variant", url.Values{"product": {productID}, "variant": {"v1"}, "quantity": {"1"}}, 422},
		{"fail/no-variant", url.Values{"product": {productID}, "quantity": {"1"}}, 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r, body := form(t, s, g, jacket, "/cart/add", tc.fields); r.StatusCode != tc.want || !strings.Contains(body, `class="error"`) {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.want)
			}
			emptyCart(t)
		})
	}
	for _, tc := range []struct{ name, body string }{
		{"fail/no-csrf", "product=" + productID + "&variant=" + small + "&quantity=1"},
		{"fail/wrong-csrf", "csrf=" + strings.Repeat("A", 43) + "&product=" + productID + "&variant=" + small + "&quantity=1"},
		{"fail/oversized-form", "variant=" + small + "&quantity=1&pad=" + strings.Repeat("a", 2<<20)},
		{"fail/bad-percent-encoding", "variant=%zz&quantity=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", s.URL+"/cart/add", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r, err := g.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode < 400 || r.StatusCode >= 500 {
				t.Fatalf("status %d", r.StatusCode)
			}
			emptyCart(t)
		})
	}

	// Quantities change and lines go; a line that is not there is 404.
	if r, _ := shopAdd(t, s, g, jacket, small, "1"); r.StatusCode != 303 {
		t.Fatalf("add: %d", r.StatusCode)
	}
	if r, _ := form(t, s, g, "/cart", "/cart/update", url.Values{"variant": {small}, "quantity": {"2"}}); r.StatusCode != 303 {
		t.Fatalf("update: %d", r.StatusCode)
	}
	for _, tc := range []struct {
		name   string
		fields url.Values
		want   int
	}{
		{"fail/update-over-10000", url.Values{"variant": {small}, "quantity": {"10001"}}, 422},
		{"fail/update-not-in-cart", url.Values{"variant": {"var_aaaaaaaaaaaaaaaaaaaaaaaaaa"}, "quantity": {"1"}}, 404},
	} {
		if r, _ := form(t, s, g, "/cart", "/cart/update", tc.fields); r.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, r.StatusCode, tc.want)
		}
	}
	if _, body := do(t, g, "GET", s.URL+"/cart", nil); !strings.Contains(body, `name="quantity" value="2"`) || !strings.Contains(body, "358.00 EUR") {
		t.Fatalf("cart after updates:\n%s", body)
	}

	// An archived product: off its page, refused by the cart, flagged in it.
	_, body = do(t, g, "GET", s.URL+"/search?q=trekking+poles", nil)
	poles := shopProductPath(t, body, "</mark>, carbon")
	_, body = do(t, g, "GET", s.URL+poles, nil)
	pole := shopVariant(t, body, "")
	if r, _ := shopAdd(t, s, g, poles, pole, "1"); r.StatusCode != 303 {
		t.Fatalf("add poles: %d", r.StatusCode)
	}
	summit := f.merchant(t, "summit")
	if err := f.cat.ArchiveProduct(f.ctx, summit.ID, strings.TrimPrefix(poles, "/p/")); err != nil {
		t.Fatal(err)
	}
	t.Run("fail/archived-product", func(t *testing.T) {
		if r, _ := do(t, g, "GET", s.URL+poles, nil); r.StatusCode != 404 {
			t.Fatalf("archived product page: %d", r.StatusCode)
		}
		if r, _ := form(t, s, g, "/cart", "/cart/add", url.Values{"product": {strings.TrimPrefix(poles, "/p/")}, "variant": {pole}, "quantity": {"1"}}); r.StatusCode != 409 {
			t.Fatalf("adding an archived product: %d", r.StatusCode)
		}
		_, body := do(t, g, "GET", s.URL+"/cart", nil)
		if !strings.Contains(body, "No longer for sale") || !strings.Contains(body, "Fix the items marked above") || strings.Contains(body, "next=/checkout") {
			t.Fatalf("cart with an archived product:\n%s", body)
		}
	})
	if r, _ := form(t, s, g, "/cart", "/cart/remove", url.Values{"variant": {pole}}); r.StatusCode != 303 {
		t.Fatalf("remove: %d", r.StatusCode)
	}
	if r, _ := do(t, g, "GET", s.URL+"/checkout", nil); r.StatusCode != 303 || r.Header.Get("Location") != "/signin" {
		t.Fatalf("guest checkout: %d %s", r.StatusCode, r.Header.Get("Location"))
	}

	// Signed in: a price rise blocks checkout until accepted.
	shopSignIn(t, s, g, "shopper@demo.citadel.test", pw)
	p := f.product(t, summit, jacket)
	v := p.Variants[0]
	if err := f.cat.UpdateVariant(f.ctx, summit.ID, p.ID, v.ID, catalog.VariantUpdate{Title: v.Title, Options: v.Options,
		Price: money.New(18900, "EUR")}); err != nil {
		t.Fatal(err)
	}
	_, body = do(t, g, "GET", s.URL+"/cart", nil)
	if !strings.Contains(body, "The price went up from 179.00 EUR to 189.00 EUR") || !strings.Contains(body, `action="/cart/accept"`) {
		t.Fatalf("cart after a price rise:\n%s", body)
	}
	if r, _ := do(t, g, "GET", s.URL+"/checkout", nil); r.Header.Get("Location") != "/cart?m=review" {
		t.Fatalf("checkout with a price rise: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r, _ := form(t, s, g, "/cart", "/cart/accept", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("accept: %d", r.StatusCode)
	}
	if r, body := do(t, g, "GET", s.URL+"/checkout", nil); r.StatusCode != 200 || !strings.Contains(body, "378.00 EUR") {
		t.Fatalf("checkout after accepting (%d):\n%s", r.StatusCode, body)
	}

	// Stock runs out between the checkout page and "Place order".
	f.setStock(t, summit, small, 1)
	r, body := form(t, s, g, "/cart", "/checkout", shopAddress("place"))
	if r.StatusCode != 409 || !strings.Contains(body, "only 1 of “Waterproof rain jacket (S / Blue)” are left") ||
		!strings.Contains(body, "Nothing was ordered") || !strings.Contains(body, "<h1>Your cart</h1>") {
		t.Fatalf("out of stock at checkout (%d):\n%s", r.StatusCode, body)
	}
	if _, body := do(t, g, "GET", s.URL+"/orders", nil); !strings.Contains(body, "You have not ordered anything yet") {
		t.Fatalf("an order was made:\n%s", body)
	}

	// Two sellers in one checkout: two orders, each with its own delivery,
	// the confirmation linking the other.
	if r, _ := form(t, s, g, "/cart", "/cart/update", url.Values{"variant": {small}, "quantity": {"1"}}); r.StatusCode != 303 {
		t.Fatalf("lower the quantity: %d", r.StatusCode)
	}
	_, body = do(t, g, "GET", s.URL+"/c/books", nil)
	bread := shopProductPath(t, body, "The Art of Bread")
	_, body = do(t, g, "GET", s.URL+bread, nil)
	if r, _ := shopAdd(t, s, g, bread, shopVariant(t, body, ""), "1"); r.StatusCode != 303 {
		t.Fatalf("add bread book: %d", r.StatusCode)
	}
	r, _ = form(t, s, g, "/cart", "/checkout", shopAddress("place"))
	m := shopOrderRe.FindStringSubmatch(r.Header.Get("Location"))
	if m == nil {
		t.Fatalf("two-seller checkout: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	_, body = do(t, g, "GET", s.URL+r.Header.Get("Location"), nil)
	if !strings.Contains(body, "The other orders of this checkout") || strings.Count(body, `href="/orders/ord_`) != 1 {
		t.Fatalf("two-seller confirmation:\n%s", body)
	}
	if _, body := do(t, g, "GET", s.URL+"/orders", nil); strings.Count(body, `href="/orders/ord_`) != 2 ||
		!strings.Contains(body, "Oak &amp; Ink Books") || !strings.Contains(body, "Summit Outfitters") {
		t.Fatalf("history after a two-seller checkout:\n%s", body)
	}
}
