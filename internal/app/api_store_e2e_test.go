package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// The store's JSON API end to end, over HTTPS, on the demo catalog. Each
// actor calls from its own loopback address, so the rate limiter and
// the 404 detector count them apart as they would real clients.

// apiUser is one API client with its token ("" for a guest).
type apiUser struct {
	t     *testing.T
	s     *apptest.Server
	c     *http.Client // also signed in to the pages
	email string
	token string
}

// call sends a request (a body as JSON unless hdr says otherwise; hdr
// are header name/value pairs, an empty value removing the header). A
// 429 was refused before anything ran, so it is retried.
func (u *apiUser) call(method, path, body string, hdr ...string) (*http.Response, string) {
	u.t.Helper()
	for try := 0; ; try++ {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, u.s.URL+path, rd)
		if err != nil {
			u.t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if u.token != "" {
			req.Header.Set("Authorization", "Bearer "+u.token)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			if hdr[i+1] == "" {
				req.Header.Del(hdr[i])
			} else {
				req.Header.Set(hdr[i], hdr[i+1])
			}
		}
		resp, err := u.c.Do(req)
		if err != nil {
			u.t.Fatalf("%s %s: %v", method, path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests && try < 100 {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return resp, string(b)
	}
}

// want calls, checks the status and decodes the body into out (if not nil).
func (u *apiUser) want(status int, method, path, body string, out any, hdr ...string) string {
	u.t.Helper()
	resp, b := u.call(method, path, body, hdr...)
	if resp.StatusCode != status {
		u.t.Fatalf("%s %s: %d %s; want %d", method, path, resp.StatusCode, b, status)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			u.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return b
}

// errCode is the code of an API error body, "" for anything else.
func errCode(body string) string {
	var e struct{ Error struct{ Code string } }
	json.Unmarshal([]byte(body), &e)
	return e.Error.Code
}

func jsonBody(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

type apiMoney struct {
	Amount, Currency string
	Minor            int64
}

type apiVariant struct {
	ID, SKU, Status string
	Price           apiMoney
	InStock         bool `json:"in_stock"`
	Available       *int
}

type apiProduct struct {
	ID, Title, Status string
	MinPrice          apiMoney `json:"min_price"`
	Variants          []apiVariant
}

type apiResults struct {
	Hits []struct {
		ID, Title   string
		TitleMarked []struct {
			Text  string
			Match bool
		} `json:"title_marked"`
		CategorySlug string   `json:"category_slug"`
		MinPrice     apiMoney `json:"min_price"`
	}
	Total       int
	Suggestions []struct{ Kind, Text string }
}

type apiCart struct {
	Lines []struct {
		VariantID string `json:"variant_id"`
		Quantity  int
	}
	Subtotals []struct{ Amount apiMoney }
}

type apiOrder struct {
	ID, Status string
	CheckoutID string `json:"checkout_id"`
	Total      apiMoney
	Address    *struct{ Name, Line1 string }
	Lines      []struct {
		VariantID   string `json:"variant_id"`
		WarehouseID string `json:"warehouse_id"`
		Quantity    int
	}
}

type apiOrders struct {
	Orders     []apiOrder
	NextCursor string `json:"next_cursor"`
}

const apiPassword = "violet otter ladder 42"

// apiToken makes a token with scopes for the account signed in on c,
// stepping up with an emailed code when the page asks for it.
func apiToken(t *testing.T, s *apptest.Server, c *http.Client, email string, scopes ...string) string {
	t.Helper()
	v := func() url.Values { return url.Values{"name": {"api test"}, "days": {"7"}, "scope": scopes} }
	resp, body := form(t, s, c, "/account/tokens", "/account/tokens", v())
	if strings.HasPrefix(resp.Header.Get("Location"), "/account/stepup") {
		form(t, s, c, "/account/stepup", "/account/stepup/email", nil)
		form(t, s, c, "/account/stepup", "/account/stepup", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}})
		resp, body = form(t, s, c, "/account/tokens", "/account/tokens", v())
	}
	m := secretRe.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("token for %s with %v: %d", email, scopes, resp.StatusCode)
	}
	return m[1]
}

// newAPIBuyer signs up a shopper from address ip and gives them a token.
func newAPIBuyer(t *testing.T, s *apptest.Server, ip, email string, scopes ...string) *apiUser {
	t.Helper()
	c := clientFrom(s, ip)
	signUp(t, s, c, email, apiPassword)
	form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {apiPassword}})
	return &apiUser{t: t, s: s, c: c, email: email, token: apiToken(t, s, c, email, scopes...)}
}

var merchantScopes = []string{"product.create", "product.update", "product.archive", "stock.adjust",
	"merchant_order.read", "merchant_order.accept", "merchant_order.ship", "merchant_order.cancel"}

// staffSignIn signs in an account whose role needs a second factor,
// with a code sent by email.
func staffSignIn(t *testing.T, s *apptest.Server, c *http.Client, email, pw string) {
	t.Helper()
	if resp, _ := form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}}); resp.Header.Get("Location") != "/signin/mfa" {
		t.Fatalf("%s sign-in went to %q", email, resp.Header.Get("Location"))
	}
	form(t, s, c, "/signin/mfa", "/signin/mfa/email", nil)
	if resp, _ := form(t, s, c, "/signin/mfa", "/signin/mfa", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}}); resp.Header.Get("Location") != "/account" {
		t.Fatalf("%s second factor: %d %q", email, resp.StatusCode, resp.Header.Get("Location"))
	}
}

var demoMerchantRe = regexp.MustCompile(`merchant_owner\s+merchant@demo\.citadel\.test\s+(\S+)`)

// demoMerchantAPI is the demo merchant (Northfield Kitchenware) with a
// token for every merchant scope.
func demoMerchantAPI(t *testing.T, s *apptest.Server, ip string) *apiUser {
	t.Helper()
	m := demoMerchantRe.FindStringSubmatch(s.Stdout.String())
	if m == nil {
		t.Fatalf("no demo merchant in the banner:\n%s", s.Stdout.String())
	}
	const email = "merchant@demo.citadel.test"
	c := clientFrom(s, ip)
	staffSignIn(t, s, c, email, m[1])
	return &apiUser{t: t, s: s, c: c, email: email, token: apiToken(t, s, c, email, merchantScopes...)}
}

// newAPIMerchant onboards a second merchant with the CLI, as an operator
// would, and signs its owner in.
func newAPIMerchant(t *testing.T, s *apptest.Server, ip, slug, email string) *apiUser {
	t.Helper()
	data := s.Config.Data
	code, out, stderr := run(nil, "user", "create", "--data", data, "--email", email, "--role", "merchant_owner")
	if code != 0 {
		t.Fatalf("user create: %s", stderr)
	}
	enrol, _ := url.Parse(strings.TrimSpace(out[strings.Index(out, "https://"):]))
	c := clientFrom(s, ip)
	form(t, s, c, enrol.RequestURI(), "/enrol", url.Values{"token": {enrol.Query().Get("token")}, "password": {apiPassword}})
	for _, args := range [][]string{
		{"merchant", "create", "--data", data, "--name", "Shop " + slug, "--slug", slug},
		{"merchant", "add-member", "--data", data, "--merchant", slug, "--email", email},
	} {
		if code, _, stderr := run(nil, args...); code != 0 {
			t.Fatalf("%v: %s", args, stderr)
		}
	}
	staffSignIn(t, s, c, email, apiPassword)
	return &apiUser{t: t, s: s, c: c, email: email, token: apiToken(t, s, c, email, merchantScopes...)}
}

// startDemo starts the demo store with the WAF in the given mode.
//
// The stateful tests run it in "detect": the WAF's method policy (the
// CRS default, GET HEAD POST OPTIONS) refuses the API's PUT, PATCH and
// DELETE until newWAF sets waf.Config.AllowedMethods; with that done
// they should run with "block" like the rest.
func startDemo(t *testing.T, wafMode string) *apptest.Server {
	cfg := apptest.Config(t, store.SQLite)
	cfg.Demo, cfg.WAFMode = true, wafMode
	return apptest.Start(t, cfg)
}

// findProduct returns the public product whose title a search for q
// finds first, asked as a guest: a request with a token is held to its
// scopes even on public routes, and these tokens lack catalog.read.
func findProduct(user *apiUser, q string) apiProduct {
	user.t.Helper()
	u := &apiUser{t: user.t, s: user.s, c: user.c}
	var res apiResults
	u.want(200, "GET", "/api/v1/search?q="+url.QueryEscape(q), "", &res)
	if len(res.Hits) == 0 {
		u.t.Fatalf("no product for %q", q)
	}
	var p apiProduct
	u.want(200, "GET", "/api/v1/products/"+res.Hits[0].ID, "", &p)
	return p
}

var testAddress = map[string]any{"name": "Ada Lovelace", "line1": "1 Analytical Way", "city": "Berlin", "postcode": "10115", "country": "DE"}

func checkoutJSON(method string) string {
	return jsonBody(map[string]any{"address": testAddress, "shipping_method": method})
}

// The catalog needs no token: categories, browsing, a product, search
// with highlighted fragments and suggestions, price filters in decimal
// strings; and no query string, however hostile, gets a 500.
func TestAPIPublicCatalog(t *testing.T) {
	s := startDemo(t, "block")
	u := &apiUser{t: t, s: s, c: clientFrom(s, "127.0.0.21")}

	var cats struct{ Categories []struct{ Slug string } }
	u.want(200, "GET", "/api/v1/categories", "", &cats)
	if len(cats.Categories) != 5 {
		t.Fatalf("categories: %+v", cats)
	}
	var kitchen apiResults
	u.want(200, "GET", "/api/v1/products?category=kitchen&per_page=100", "", &kitchen)
	if len(kitchen.Hits) != 6 {
		t.Fatalf("kitchen: %d products", len(kitchen.Hits))
	}
	p := findProduct(u, "skillet")
	if p.MinPrice != (apiMoney{"39.90", "EUR", 3990}) || len(p.Variants) != 1 || !p.Variants[0].InStock {
		t.Fatalf("skillet: %+v", p)
	}
	// Shoppers see in_stock, never the merchant's stock counts.
	if body := u.want(200, "GET", "/api/v1/products/"+p.ID, "", nil); strings.Contains(body, `"available"`) {
		t.Fatal("the public product shows stock counts")
	}
	var res apiResults
	u.want(200, "GET", "/api/v1/search?q=SKILLET", "", &res)
	if len(res.Hits) != 1 || !marked(res.Hits[0].TitleMarked, "skillet") {
		t.Fatalf("search: %+v", res)
	}
	u.want(200, "GET", "/api/v1/search?q=skilet", "", &res)
	if res.Total != 0 || len(res.Suggestions) == 0 {
		t.Fatalf("misspelt search: %+v", res)
	}
	u.want(200, "GET", "/api/v1/search?min_price=30&max_price=50.00&currency=EUR&sort=price_asc&per_page=100", "", &res)
	if len(res.Hits) == 0 {
		t.Fatal("price filter found nothing")
	}
	for _, h := range res.Hits {
		if h.MinPrice.Minor < 3000 || h.MinPrice.Minor > 5000 {
			t.Fatalf("%s at %+v passed the filter", h.Title, h.MinPrice)
		}
	}
	for _, tc := range []struct{ name, path, code string }{
		{"fail/fraction-of-a-cent", "/api/v1/search?min_price=1.001&currency=EUR", "invalid_amount"},
		{"fail/float-exponent", "/api/v1/search?min_price=1e3&currency=EUR", "invalid_amount"},
		{"fail/negative-price", "/api/v1/search?max_price=-5&currency=EUR", "invalid_amount"},
		{"fail/price-without-currency", "/api/v1/search?min_price=10", "invalid_parameter"},
		{"fail/page-zero", "/api/v1/products?page=0", "invalid_parameter"},
		{"fail/unknown-sort", "/api/v1/search?q=a&sort=rand", "invalid_parameter"},
		{"fail/merchant-not-an-id", "/api/v1/products?merchant=summit", "invalid_parameter"},
		{"fail/malformed-product-id", "/api/v1/products/prd_1", "not_found"},
		{"fail/unknown-product", "/api/v1/products/" + ids.New("prd"), "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := u.call("GET", tc.path, "")
			if resp.StatusCode/100 != 4 || errCode(body) != tc.code {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}

	// Hostile text from another address: the WAF may refuse some (and
	// counts them against the address), nothing is a server error.
	for i, param := range []string{"q", "category", "sort"} {
		h := &apiUser{t: t, s: s, c: clientFrom(s, "127.0.0."+strconv.Itoa(22+i))}
		for _, q := range []string{`' OR 1=1 --`, `"; DROP TABLE products; --`, `<script>alert(1)</script>`, `*`, `NEAR(a b)`,
			`a OR b AND NOT c`, `"unterminated`, "\x00", strings.Repeat("skillet ", 2000), "\u202eevil", "日本語 のテスト",
			`{{7*7}}`, `../../etc/passwd`, `title:knife`, `-a -b ^c`, "\xff\xfe", `%s%n`, `skillet)`} {
			resp, body := h.call("GET", "/api/v1/search?"+param+"="+url.QueryEscape(q), "")
			if resp.StatusCode >= 500 {
				t.Fatalf("%s=%q: %d %s", param, q, resp.StatusCode, body)
			}
			if resp.StatusCode == 200 && json.Unmarshal([]byte(body), &apiResults{}) != nil {
				t.Fatalf("%s=%q: not JSON", param, q)
			}
		}
	}
}

func marked(fs []struct {
	Text  string
	Match bool
}, word string) bool {
	for _, f := range fs {
		if f.Match && strings.EqualFold(f.Text, word) {
			return true
		}
	}
	return false
}

// A buyer fills the cart and checks out with an Idempotency-Key: the
// retry answers the same orders and creates none; the key with another
// body is refused. Orders are listed by cursor, read and cancelled; a
// second buyer finds none of them.
func TestAPIBuyerCheckout(t *testing.T) {
	s := startDemo(t, "block")
	a := newAPIBuyer(t, s, "127.0.0.31", "ada@example.com", "account.read_self", "cart.write", "order.create", "order.read", "order.cancel")
	var me struct{ ID string }
	a.want(200, "GET", "/api/v1/me", "", &me)
	skillet, knife := findProduct(a, "skillet").Variants[0], findProduct(a, "knife").Variants[0]

	var cart apiCart
	a.want(200, "POST", "/api/v1/cart/items", jsonBody(map[string]any{"variant_id": skillet.ID, "quantity": 2}), &cart)
	if len(cart.Lines) != 1 || cart.Lines[0].Quantity != 2 || cart.Subtotals[0].Amount != (apiMoney{"79.80", "EUR", 7980}) {
		t.Fatalf("cart: %+v", cart)
	}
	// fail/over-stock: 25 skillets in stock; the cart keeps its 2.
	if resp, body := a.call("POST", "/api/v1/cart/items", jsonBody(map[string]any{"variant_id": skillet.ID, "quantity": 24})); resp.StatusCode != 409 || errCode(body) != "out_of_stock" {
		t.Fatalf("over stock: %d %s", resp.StatusCode, body)
	}
	if resp, body := a.call("PATCH", "/api/v1/cart/items/"+skillet.ID, `{"quantity":26}`); resp.StatusCode != 409 || errCode(body) != "out_of_stock" {
		t.Fatalf("over stock: %d %s", resp.StatusCode, body)
	}
	a.want(200, "PATCH", "/api/v1/cart/items/"+skillet.ID, `{"quantity":3}`, &cart)
	if cart.Lines[0].Quantity != 3 {
		t.Fatalf("cart: %+v", cart)
	}

	const key = "checkout-1f6e0c2a"
	var first, again struct {
		CheckoutID string `json:"checkout_id"`
		Orders     []apiOrder
	}
	body1 := a.want(201, "POST", "/api/v1/checkout", checkoutJSON("standard"), &first, "Idempotency-Key", key)
	if len(first.Orders) != 1 || first.Orders[0].Status != "pending_payment" || first.Orders[0].Address == nil || first.Orders[0].Lines[0].Quantity != 3 {
		t.Fatalf("checkout: %s", body1)
	}
	resp, body2 := a.call("POST", "/api/v1/checkout", checkoutJSON("standard"), "Idempotency-Key", key)
	if resp.StatusCode != 201 || body2 != body1 || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %q %s", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), body2)
	}
	json.Unmarshal([]byte(body2), &again)
	var n int
	if err := s.DB().QueryRow(t.Context(), `SELECT count(*) FROM orders WHERE buyer_id = ?`, me.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("orders in the database after a retried checkout: %d %v", n, err)
	}
	// fail/key-reused-for-another-body
	if resp, body := a.call("POST", "/api/v1/checkout", checkoutJSON("express"), "Idempotency-Key", key); resp.StatusCode != 409 || errCode(body) != "idempotency_key_reused" {
		t.Fatalf("reused key: %d %s", resp.StatusCode, body)
	}
	// fail/empty-cart: the first checkout emptied it.
	if resp, body := a.call("POST", "/api/v1/checkout", checkoutJSON("standard"), "Idempotency-Key", key+"-2"); resp.StatusCode != 409 || errCode(body) != "empty_cart" {
		t.Fatalf("empty cart: %d %s", resp.StatusCode, body)
	}
	a.want(200, "POST", "/api/v1/cart/items", jsonBody(map[string]any{"variant_id": knife.ID, "quantity": 1}), nil)
	var second struct{ Orders []apiOrder }
	a.want(201, "POST", "/api/v1/checkout", checkoutJSON("express"), &second)

	// Two orders, one per page, newest first.
	var p1, p2 apiOrders
	a.want(200, "GET", "/api/v1/orders?limit=1", "", &p1)
	if len(p1.Orders) != 1 || p1.Orders[0].ID != second.Orders[0].ID || p1.NextCursor == "" {
		t.Fatalf("page 1: %+v", p1)
	}
	a.want(200, "GET", "/api/v1/orders?limit=1&cursor="+url.QueryEscape(p1.NextCursor), "", &p2)
	if len(p2.Orders) != 1 || p2.Orders[0].ID != first.Orders[0].ID || p2.NextCursor != "" {
		t.Fatalf("page 2: %+v", p2)
	}
	if resp, body := a.call("GET", "/api/v1/orders?cursor=12.ord_x", ""); resp.StatusCode != 422 || errCode(body) != "invalid_field" {
		t.Fatalf("bad cursor: %d %s", resp.StatusCode, body)
	}
	var o apiOrder
	a.want(200, "GET", "/api/v1/orders/"+first.Orders[0].ID, "", &o)
	if o.Address == nil || o.Address.Line1 != "1 Analytical Way" || len(o.Lines) != 1 || o.Lines[0].WarehouseID != "" {
		t.Fatalf("order: %+v", o)
	}

	// fail/other-buyer-order: another buyer reads and cancels nothing.
	b := newAPIBuyer(t, s, "127.0.0.32", "bob@example.com", "order.read", "order.cancel")
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/orders/" + o.ID, ""},
		{"POST", "/api/v1/orders/" + o.ID + "/cancel", `{"reason":"mine now"}`},
	} {
		resp, body := b.call(tc.method, tc.path, tc.body)
		if resp.StatusCode != 404 || errCode(body) != "not_found" || strings.Contains(body, "Analytical") {
			t.Fatalf("other buyer %s %s: %d %s", tc.method, tc.path, resp.StatusCode, body)
		}
	}
	var none apiOrders
	b.want(200, "GET", "/api/v1/orders", "", &none)
	if len(none.Orders) != 0 {
		t.Fatalf("the other buyer lists %d orders", len(none.Orders))
	}
	a.want(200, "GET", "/api/v1/orders/"+o.ID, "", &o)
	if o.Status != "pending_payment" {
		t.Fatalf("after the other buyer: %s", o.Status)
	}

	a.want(200, "POST", "/api/v1/orders/"+o.ID+"/cancel", `{"reason":"changed my mind"}`, &o)
	if o.Status != "cancelled" {
		t.Fatalf("cancel: %+v", o)
	}
	if resp, body := a.call("POST", "/api/v1/orders/"+o.ID+"/cancel", `{"reason":"again"}`); resp.StatusCode != 409 || errCode(body) != "illegal_transition" {
		t.Fatalf("second cancel: %d %s", resp.StatusCode, body)
	}
	if resp, body := a.call("POST", "/api/v1/orders/"+second.Orders[0].ID+"/cancel", `{}`); resp.StatusCode != 400 || errCode(body) != "missing_field" {
		t.Fatalf("cancel without a reason: %d %s", resp.StatusCode, body)
	}
}

// Malformed and unauthorised requests each get their 4xx with a JSON
// error, and none of them changes the cart or creates an order.
// The WAF (in block mode) already refuses some of these requests before
// the API sees them; detect mode lets every case reach the API's own
// decoders, which must stand on their own.
func TestAPIMalformedRequests(t *testing.T) {
	s := startDemo(t, "detect")
	u := newAPIBuyer(t, s, "127.0.0.41", "eve@example.com", "cart.write", "order.create", "order.read")
	noScope := &apiUser{t: t, s: s, c: u.c, token: apiToken(t, s, u.c, u.email, "account.read_self")}
	guest := &apiUser{t: t, s: s, c: u.c}
	forged := &apiUser{t: t, s: s, c: u.c, token: "cit_pat_" + strings.Repeat("A", 52)}
	skillet, knife, pot := findProduct(u, "skillet").Variants[0], findProduct(u, "knife").Variants[0], findProduct(u, "dutch oven").Variants[0]
	// An archived variant, set up directly: the merchant API is tested elsewhere.
	if _, err := s.DB().Exec(t.Context(), `UPDATE variants SET status = 'archived' WHERE id = ?`, pot.ID); err != nil {
		t.Fatal(err)
	}
	u.want(200, "POST", "/api/v1/cart/items", jsonBody(map[string]any{"variant_id": skillet.ID, "quantity": 1}), nil)
	cartBefore := u.want(200, "GET", "/api/v1/cart", "", nil)

	item := func(v any, q any) string { return jsonBody(map[string]any{"variant_id": v, "quantity": q}) }
	address := func(k, v string) string {
		a := map[string]any{}
		for key, val := range testAddress {
			a[key] = val
		}
		a[k] = v
		return jsonBody(map[string]any{"address": a, "shipping_method": "standard"})
	}
	const items = "/api/v1/cart/items"
	for _, tc := range []struct {
		name         string
		who          *apiUser
		method, path string
		body         string
		hdr          []string
		status       int
		code         string
	}{
		{"fail/malformed-json", u, "POST", items, `{"variant_id":`, nil, 400, "malformed_json"},
		{"fail/unknown-field", u, "POST", items, `{"variant_id":"` + knife.ID + `","quantity":1,"unit_price":"0.01"}`, nil, 400, "malformed_json"},
		{"fail/missing-quantity", u, "POST", items, `{"variant_id":"` + knife.ID + `"}`, nil, 400, "missing_field"},
		{"fail/missing-variant", u, "POST", items, `{"quantity":1}`, nil, 400, "missing_field"},
		{"fail/quantity-as-string", u, "POST", items, item(knife.ID, "1"), nil, 400, "invalid_field"},
		{"fail/quantity-as-float", u, "POST", items, `{"variant_id":"` + knife.ID + `","quantity":1.5}`, nil, 400, "invalid_field"},
		{"fail/variant-as-array", u, "POST", items, item([]string{knife.ID}, 1), nil, 400, "invalid_field"},
		{"fail/zero-quantity", u, "POST", items, item(knife.ID, 0), nil, 400, "invalid_quantity"},
		{"fail/negative-quantity", u, "POST", items, item(knife.ID, -3), nil, 400, "invalid_quantity"},
		{"fail/over-10000", u, "POST", items, item(knife.ID, 10_001), nil, 400, "invalid_quantity"},
		{"fail/over-stock", u, "POST", items, item(knife.ID, 10_000), nil, 409, "out_of_stock"},
		{"fail/malformed-variant-id", u, "POST", items, item("var_1' OR '1'='1", 1), nil, 400, "invalid_id"},
		{"fail/unknown-variant", u, "POST", items, item(ids.New("var"), 1), nil, 404, "not_found"},
		{"fail/archived-variant", u, "POST", items, item(pot.ID, 1), nil, 409, "unavailable"},
		{"fail/invalid-utf8", u, "POST", items, "{\"variant_id\":\"" + knife.ID + "\xff\",\"quantity\":1}", nil, 400, "invalid_utf8"},
		{"fail/oversized-body", u, "POST", items, `{"variant_id":"` + strings.Repeat("a", 65<<10) + `","quantity":1}`, nil, 413, "too_large"},
		{"fail/text-plain", u, "POST", items, item(knife.ID, 1), []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"fail/form-encoded", u, "POST", items, "variant_id=" + knife.ID + "&quantity=1", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"fail/no-token", guest, "POST", items, item(knife.ID, 1), nil, 401, "unauthenticated"},
		{"fail/forged-token", forged, "POST", items, item(knife.ID, 1), nil, 401, "invalid_token"},
		{"fail/token-without-scope", noScope, "POST", items, item(knife.ID, 1), nil, 403, "insufficient_scope"},
		{"fail/no-token-cart", guest, "GET", "/api/v1/cart", "", nil, 401, "unauthenticated"},
		{"fail/patch-zero", u, "PATCH", items + "/" + skillet.ID, `{"quantity":0}`, nil, 400, "invalid_quantity"},
		{"fail/patch-over-stock", u, "PATCH", items + "/" + skillet.ID, `{"quantity":26}`, nil, 409, "out_of_stock"},
		{"fail/patch-not-in-cart", u, "PATCH", items + "/" + knife.ID, `{"quantity":1}`, nil, 404, "not_found"},
		{"fail/patch-malformed-id", u, "PATCH", items + "/nope", `{"quantity":1}`, nil, 404, "not_found"},
		{"fail/delete-malformed-id", u, "DELETE", items + "/var_x", "", nil, 404, "not_found"},
		{"fail/delete-token-without-scope", noScope, "DELETE", items + "/" + skillet.ID, "", nil, 403, "insufficient_scope"},
		{"fail/checkout-no-address", u, "POST", "/api/v1/checkout", `{"shipping_method":"standard"}`, nil, 400, "missing_field"},
		{"fail/checkout-method-as-number", u, "POST", "/api/v1/checkout", `{"address":{},"shipping_method":1}`, nil, 400, "invalid_field"},
		{"fail/checkout-unknown-country", u, "POST", "/api/v1/checkout", address("country", "ZZ"), nil, 422, "invalid_field"},
		{"fail/checkout-bad-postcode", u, "POST", "/api/v1/checkout", address("postcode", "<script>"), nil, 422, "invalid_field"},
		{"fail/checkout-control-char", u, "POST", "/api/v1/checkout", address("name", "Ada\u0000"), nil, 422, "invalid_field"},
		{"fail/checkout-trailing-data", u, "POST", "/api/v1/checkout", checkoutJSON("standard") + `{"shipping_method":"express"}`, nil, 400, "malformed_json"},
		{"fail/checkout-bad-idempotency-key", u, "POST", "/api/v1/checkout", checkoutJSON("standard"), []string{"Idempotency-Key", strings.Repeat("k", 300)}, 400, "bad_idempotency_key"},
		{"fail/checkout-token-without-scope", noScope, "POST", "/api/v1/checkout", checkoutJSON("standard"), nil, 403, "insufficient_scope"},
		{"fail/checkout-no-token", guest, "POST", "/api/v1/checkout", checkoutJSON("standard"), nil, 401, "unauthenticated"},
		{"fail/merchant-route-as-buyer", u, "GET", "/api/v1/merchant/orders", "", nil, 403, "insufficient_scope"},
		{"fail/unknown-route", u, "POST", "/api/v1/cart/items/" + skillet.ID + "/steal", "{}", nil, 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := tc.who.call(tc.method, tc.path, tc.body, tc.hdr...)
			if resp.StatusCode != tc.status || errCode(body) != tc.code {
				t.Fatalf("%d %.300s; want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			if strings.Contains(body, "sql") || strings.Contains(body, "SELECT") {
				t.Fatalf("the error leaks internals: %s", body)
			}
		})
	}
	if after := u.want(200, "GET", "/api/v1/cart", "", nil); after != cartBefore {
		t.Fatalf("the cart changed:\n%s\n%s", cartBefore, after)
	}
	var orders apiOrders
	u.want(200, "GET", "/api/v1/orders", "", &orders)
	if len(orders.Orders) != 0 {
		t.Fatalf("%d orders were created", len(orders.Orders))
	}
}

// newAPIProduct creates a one-variant product with stock in the
// merchant's first warehouse, returning the product, its variant and the
// warehouse.
func newAPIProduct(m *apiUser, title, sku string, onHand int) (apiProduct, string, string) {
	m.t.Helper()
	var whs struct{ Warehouses []struct{ ID string } }
	m.want(200, "GET", "/api/v1/merchant/warehouses", "", &whs)
	if len(whs.Warehouses) == 0 {
		m.want(201, "POST", "/api/v1/merchant/warehouses", `{"name":"Main","country":"DE"}`, nil)
		m.want(200, "GET", "/api/v1/merchant/warehouses", "", &whs)
	}
	var p apiProduct
	m.want(201, "POST", "/api/v1/merchant/products", jsonBody(map[string]any{
		"title": title, "description": "Made for the API tests.", "currency": "EUR",
		"variants": []map[string]any{{"sku": sku, "title": "Standard", "price": "19.99"}},
	}), &p)
	v, wh := p.Variants[0].ID, whs.Warehouses[0].ID
	m.want(200, "PUT", "/api/v1/merchant/stock", jsonBody(map[string]any{"variant_id": v, "warehouse_id": wh, "on_hand": onHand}), nil)
	return p, v, wh
}

// The demo merchant, through the API: creates a product (prices as
// decimal strings), sets stock, edits it, sees a buyer's order with the
// address to ship to, cannot accept or ship it unpaid, cancels it (the
// stock comes back) and archives the product.
func TestAPIMerchant(t *testing.T) {
	s := startDemo(t, "block")
	m := demoMerchantAPI(t, s, "127.0.0.51")
	for _, tc := range []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"fail/fraction-of-a-cent", `{"title":"X","currency":"EUR","variants":[{"sku":"X-1","price":"19.999"}]}`, 400, "invalid_amount", "variants[0].price"},
		{"fail/price-as-float", `{"title":"X","currency":"EUR","variants":[{"sku":"X-1","price":19.99}]}`, 400, "invalid_field", "variants.price"},
		{"fail/negative-price", `{"title":"X","currency":"EUR","variants":[{"sku":"X-1","price":"-1.00"}]}`, 400, "invalid_amount", "variants[0].price"},
		{"fail/no-currency", `{"title":"X","variants":[{"sku":"X-1","price":"1.00"}]}`, 400, "missing_field", "currency"},
		{"fail/unknown-currency", `{"title":"X","currency":"ZZZ","variants":[{"sku":"X-1","price":"1.00"}]}`, 422, "invalid_field", "currency"},
		{"fail/no-variants", `{"title":"X","currency":"EUR","variants":[]}`, 400, "missing_field", "variants"},
		{"fail/no-title", `{"title":"","currency":"EUR","variants":[{"sku":"X-1","price":"1.00"}]}`, 422, "invalid_field", "title"},
		{"fail/same-sku-twice", `{"title":"X","currency":"EUR","variants":[{"sku":"X-1","price":"1.00","options":{"size":"S"}},{"sku":"X-1","price":"1.00","options":{"size":"M"}}]}`, 409, "conflict", "variants[1].sku"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := m.call("POST", "/api/v1/merchant/products", tc.body)
			var e struct{ Error struct{ Code, Field string } }
			json.Unmarshal([]byte(body), &e)
			if resp.StatusCode != tc.status || e.Error.Code != tc.code || (tc.field != "" && e.Error.Field != tc.field) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}

	p, v, wh := newAPIProduct(m, "Cast iron griddle", "NW-GRD-1", 7)
	if p.Variants[0].Price != (apiMoney{"19.99", "EUR", 1999}) {
		t.Fatalf("price: %+v", p.Variants[0].Price)
	}
	var got apiProduct
	m.want(200, "GET", "/api/v1/merchant/products/"+p.ID, "", &got)
	if got.Variants[0].Available == nil || *got.Variants[0].Available != 7 {
		t.Fatalf("merchant view: %+v", got.Variants[0])
	}
	m.want(200, "PATCH", "/api/v1/merchant/products/"+p.ID, `{"title":"Cast iron griddle, 30 cm"}`, &got)
	m.want(200, "PATCH", "/api/v1/merchant/products/"+p.ID+"/variants/"+v, `{"price":"17.50"}`, &got)
	if got.Title != "Cast iron griddle, 30 cm" || got.MinPrice.Minor != 1750 {
		t.Fatalf("after edits: %+v", got)
	}
	var nv apiVariant
	m.want(201, "POST", "/api/v1/merchant/products/"+p.ID+"/variants", `{"sku":"NW-GRD-2","options":{"size":"L"},"price":"21"}`, &nv)
	if nv.Price.Minor != 2100 || nv.Status != "active" {
		t.Fatalf("new variant: %+v", nv)
	}
	var list apiResults
	m.want(200, "GET", "/api/v1/merchant/products?per_page=100", "", &list)
	if len(list.Hits) != 7 {
		t.Fatalf("the merchant lists %d products", len(list.Hits))
	}

	buyer := newAPIBuyer(t, s, "127.0.0.52", "grace@example.com", "cart.write", "order.create")
	buyer.want(200, "POST", "/api/v1/cart/items", jsonBody(map[string]any{"variant_id": v, "quantity": 2}), nil)
	var placed struct{ Orders []apiOrder }
	buyer.want(201, "POST", "/api/v1/checkout", checkoutJSON("standard"), &placed)
	id := placed.Orders[0].ID

	var orders apiOrders
	m.want(200, "GET", "/api/v1/merchant/orders?status=pending_payment", "", &orders)
	if len(orders.Orders) != 1 || orders.Orders[0].ID != id {
		t.Fatalf("merchant orders: %+v", orders)
	}
	m.want(200, "GET", "/api/v1/merchant/orders?status=shipped", "", &orders)
	if len(orders.Orders) != 0 {
		t.Fatalf("shipped orders: %+v", orders)
	}
	if resp, body := m.call("GET", "/api/v1/merchant/orders?status=lost", ""); resp.StatusCode != 400 || errCode(body) != "invalid_parameter" {
		t.Fatalf("unknown status: %d %s", resp.StatusCode, body)
	}
	var o apiOrder
	m.want(200, "GET", "/api/v1/merchant/orders/"+id, "", &o)
	if o.Address == nil || o.Address.Name != "Ada Lovelace" || o.Lines[0].WarehouseID != wh {
		t.Fatalf("merchant order: %+v", o)
	}
	for _, tc := range []struct{ path, body string }{{"/accept", ""}, {"/ship", `{"carrier":"DHL","tracking":"JJD000390007"}`}} {
		if resp, body := m.call("POST", "/api/v1/merchant/orders/"+id+tc.path, tc.body); resp.StatusCode != 409 || errCode(body) != "illegal_transition" {
			t.Fatalf("%s unpaid: %d %s", tc.path, resp.StatusCode, body)
		}
	}
	var levels struct {
		Levels []struct {
			OnHand   int `json:"on_hand"`
			Reserved int
		}
	}
	m.want(200, "GET", "/api/v1/merchant/stock?variant_id="+v, "", &levels)
	if levels.Levels[0].Reserved != 2 {
		t.Fatalf("reserved: %+v", levels)
	}
	m.want(200, "POST", "/api/v1/merchant/orders/"+id+"/cancel", `{"reason":"out of stock after all"}`, &o)
	m.want(200, "GET", "/api/v1/merchant/stock?variant_id="+v, "", &levels)
	if o.Status != "cancelled" || levels.Levels[0].Reserved != 0 || levels.Levels[0].OnHand != 7 {
		t.Fatalf("after cancel: %s %+v", o.Status, levels)
	}
	if resp, body := m.call("PUT", "/api/v1/merchant/stock", jsonBody(map[string]any{"variant_id": v, "warehouse_id": wh, "on_hand": -1})); resp.StatusCode != 400 || errCode(body) != "invalid_quantity" {
		t.Fatalf("negative stock: %d %s", resp.StatusCode, body)
	}

	m.want(200, "POST", "/api/v1/merchant/products/"+p.ID+"/archive", "", &got)
	if got.Status != "archived" {
		t.Fatalf("archive: %+v", got)
	}
	if resp, _ := buyer.call("GET", "/api/v1/products/"+p.ID, "", "Authorization", ""); resp.StatusCode != 404 {
		t.Fatalf("archived product on the public API: %d", resp.StatusCode)
	}
}

// fail/other-merchant-*: merchant B calls every merchant route with
// merchant A's IDs. Each is 404 not_found, says nothing of A's objects,
// and A's product, stock and order are exactly as they were.
func TestAPIMerchantTenancy(t *testing.T) {
	s := startDemo(t, "block")
	a := demoMerchantAPI(t, s, "127.0.0.61")
	pa, va, wa := newAPIProduct(a, "Carbon steel wok", "NW-WOK-1", 5)
	buyer := newAPIBuyer(t, s, "127.0.0.62", "joan@example.com", "cart.write", "order.create")
	buyer.want(200, "POST", "/api/v1/cart/items", jsonBody(map[string]any{"variant_id": va, "quantity": 1}), nil)
	var placed struct{ Orders []apiOrder }
	buyer.want(201, "POST", "/api/v1/checkout", checkoutJSON("standard"), &placed)
	oa := placed.Orders[0].ID

	b := newAPIMerchant(t, s, "127.0.0.63", "bshop", "owner@bshop.example")
	pb, vb, wb := newAPIProduct(b, "B's own pan", "B-PAN-1", 3)

	snapshot := func() []string {
		return []string{
			a.want(200, "GET", "/api/v1/merchant/products/"+pa.ID, "", nil),
			a.want(200, "GET", "/api/v1/merchant/stock?variant_id="+va, "", nil),
			a.want(200, "GET", "/api/v1/merchant/orders/"+oa, "", nil),
		}
	}
	before := snapshot()
	stock := func(v, w string) string {
		return jsonBody(map[string]any{"variant_id": v, "warehouse_id": w, "on_hand": 1000})
	}
	for _, tc := range []struct{ name, method, path, body string }{
		{"fail/other-merchant-product", "GET", "/api/v1/merchant/products/" + pa.ID, ""},
		{"fail/other-merchant-product-patch", "PATCH", "/api/v1/merchant/products/" + pa.ID, `{"title":"Stolen"}`},
		{"fail/other-merchant-product-archive", "POST", "/api/v1/merchant/products/" + pa.ID + "/archive", ""},
		{"fail/other-merchant-product-restore", "POST", "/api/v1/merchant/products/" + pa.ID + "/restore", ""},
		{"fail/other-merchant-variant-add", "POST", "/api/v1/merchant/products/" + pa.ID + "/variants", `{"sku":"B-X","price":"0.01"}`},
		{"fail/other-merchant-variant-patch", "PATCH", "/api/v1/merchant/products/" + pa.ID + "/variants/" + va, `{"price":"0.01"}`},
		{"fail/other-merchant-variant-under-own-product", "PATCH", "/api/v1/merchant/products/" + pb.ID + "/variants/" + va, `{"price":"0.01"}`},
		{"fail/other-merchant-variant-archive", "POST", "/api/v1/merchant/products/" + pa.ID + "/variants/" + va + "/archive", ""},
		{"fail/other-merchant-stock-read", "GET", "/api/v1/merchant/stock?variant_id=" + va, ""},
		{"fail/other-merchant-variant-own-warehouse", "PUT", "/api/v1/merchant/stock", stock(va, wb)},
		{"fail/own-variant-other-merchant-warehouse", "PUT", "/api/v1/merchant/stock", stock(vb, wa)},
		{"fail/other-merchant-stock-write", "PUT", "/api/v1/merchant/stock", stock(va, wa)},
		{"fail/other-merchant-order", "GET", "/api/v1/merchant/orders/" + oa, ""},
		{"fail/other-merchant-order-accept", "POST", "/api/v1/merchant/orders/" + oa + "/accept", ""},
		{"fail/other-merchant-order-ship", "POST", "/api/v1/merchant/orders/" + oa + "/ship", `{"carrier":"DHL","tracking":"JJD000390007"}`},
		{"fail/other-merchant-order-cancel", "POST", "/api/v1/merchant/orders/" + oa + "/cancel", `{"reason":"mine now"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.call(tc.method, tc.path, tc.body)
			if resp.StatusCode != 404 || errCode(body) != "not_found" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if strings.Contains(body, "wok") || strings.Contains(body, "Lovelace") || strings.Contains(body, pa.ID) {
				t.Fatalf("leaks A's object: %s", body)
			}
		})
	}
	for _, path := range []string{"/api/v1/merchant/products?per_page=100", "/api/v1/merchant/orders", "/api/v1/merchant/warehouses"} {
		if body := b.want(200, "GET", path, "", nil); strings.Contains(body, pa.ID) || strings.Contains(body, oa) || strings.Contains(body, wa) {
			t.Fatalf("B's %s lists A's objects: %s", path, body)
		}
	}
	after := snapshot()
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("A's object changed:\n%s\n%s", before[i], after[i])
		}
	}
}
