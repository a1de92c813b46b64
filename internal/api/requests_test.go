package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/tax"
)

var testVariant = ids.New("var")

func TestParseCartItem(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"ok", `{"variant_id":"` + testVariant + `","quantity":3}`, 0, ""},
		{"ok/max", `{"variant_id":"` + testVariant + `","quantity":10000}`, 0, ""},
		{"fail/empty", ``, 400, "malformed_json"},
		{"fail/null", `null`, 400, "missing_field"},
		{"fail/missing-quantity", `{"variant_id":"` + testVariant + `"}`, 400, "missing_field"},
		{"fail/missing-variant", `{"quantity":1}`, 400, "missing_field"},
		{"fail/zero", `{"variant_id":"` + testVariant + `","quantity":0}`, 400, "invalid_quantity"},
		{"fail/negative", `{"variant_id":"` + testVariant + `","quantity":-1}`, 400, "invalid_quantity"},
		{"fail/over-10000", `{"variant_id":"` + testVariant + `","quantity":10001}`, 400, "invalid_quantity"},
		{"fail/huge", `{"variant_id":"` + testVariant + `","quantity":99999999999999999999}`, 400, "invalid_field"},
		{"fail/float", `{"variant_id":"` + testVariant + `","quantity":1.5}`, 400, "invalid_field"},
		{"fail/exponent", `{"variant_id":"` + testVariant + `","quantity":1e2}`, 400, "invalid_field"},
		{"fail/string-quantity", `{"variant_id":"` + testVariant + `","quantity":"2"}`, 400, "invalid_field"},
		{"fail/number-variant", `{"variant_id":7,"quantity":1}`, 400, "invalid_field"},
		{"fail/bad-id", `{"variant_id":"var_nope","quantity":1}`, 400, "invalid_id"},
		{"fail/other-prefix", `{"variant_id":"` + ids.New("prd") + `","quantity":1}`, 400, "invalid_id"},
		{"fail/unknown-field", `{"variant_id":"` + testVariant + `","quantity":1,"price":"0.01"}`, 400, "malformed_json"},
		{"fail/invalid-utf8", "{\"variant_id\":\"\xff\",\"quantity\":1}", 400, "invalid_utf8"},
		{"fail/two-objects", `{"variant_id":"` + testVariant + `","quantity":1}{}`, 400, "malformed_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			item, e := parseCartItem([]byte(tc.body))
			if tc.status == 0 {
				if e != nil || item.variantID != testVariant || item.quantity < 1 {
					t.Fatalf("refused: %v %+v", e, item)
				}
				return
			}
			if e == nil || e.status != tc.status || e.code != tc.code {
				t.Fatalf("got %v, want %d %s", e, tc.status, tc.code)
			}
		})
	}
}

func checkoutBody(mut func(m map[string]any)) string {
	m := map[string]any{
		"address": map[string]any{"name": "Ada Lovelace", "line1": "1 Analytical Way", "city": "Berlin",
			"postcode": "10115", "country": "de", "phone": "+49 30 1234567"},
		"shipping_method": "standard",
	}
	if mut != nil {
		mut(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func addr(m map[string]any) map[string]any { return m["address"].(map[string]any) }

func TestParseCheckout(t *testing.T) {
	ok, e := parseCheckout([]byte(checkoutBody(nil)))
	if e != nil || ok.country != "DE" || ok.method != shipping.Standard || len(ok.address.Lines) != 1 {
		t.Fatalf("valid checkout: %v %+v", e, ok)
	}
	for _, tc := range []struct {
		name      string
		mut       func(m map[string]any)
		status    int
		code, fld string
	}{
		{"fail/no-address", func(m map[string]any) { delete(m, "address") }, 400, "missing_field", "address"},
		{"fail/no-method", func(m map[string]any) { delete(m, "shipping_method") }, 400, "missing_field", "shipping_method"},
		{"fail/unknown-method", func(m map[string]any) { m["shipping_method"] = "teleport" }, 422, "invalid_field", "shipping_method"},
		{"fail/no-name", func(m map[string]any) { addr(m)["name"] = " " }, 422, "invalid_field", "address.name"},
		{"fail/control-in-city", func(m map[string]any) { addr(m)["city"] = "Ber\x00lin" }, 422, "invalid_field", "address.city"},
		{"fail/postcode-markup", func(m map[string]any) { addr(m)["postcode"] = "<b>1</b>" }, 422, "invalid_field", "address.postcode"},
		{"fail/no-country", func(m map[string]any) { delete(addr(m), "country") }, 422, "invalid_field", "address.country"},
		{"fail/unknown-country", func(m map[string]any) { addr(m)["country"] = "XX" }, 422, "invalid_field", "address.country"},
		{"fail/unknown-address-field", func(m map[string]any) { addr(m)["state"] = "BE" }, 400, "malformed_json", ""},
		{"fail/address-as-string", func(m map[string]any) { m["address"] = "1 Analytical Way" }, 400, "invalid_field", "address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, e := parseCheckout([]byte(checkoutBody(tc.mut)))
			if e == nil || e.status != tc.status || e.code != tc.code || e.field != tc.fld {
				t.Fatalf("got %+v, want %d %s %s", e, tc.status, tc.code, tc.fld)
			}
		})
	}
}

func TestAmount(t *testing.T) {
	for _, tc := range []struct {
		in    string
		c     money.Currency
		minor int64
		ok    bool
	}{
		{"12.34", "EUR", 1234, true},
		{"12", "EUR", 1200, true},
		{"0.5", "EUR", 50, true},
		{"1200", "JPY", 1200, true},
		{"12.345", "EUR", 0, false}, // a fraction of a cent
		{"1.5", "JPY", 0, false},    // yen have no minor unit
		{"-1.00", "EUR", 0, false},
		{"+1.00", "EUR", 0, false},
		{"1e3", "EUR", 0, false},
		{"1,000.00", "EUR", 0, false},
		{" 1.00", "EUR", 0, false},
		{"", "EUR", 0, false},
		{"99999999999999999999", "EUR", 0, false},
		{"1.00", "XXX", 0, false},
	} {
		a, e := amount("price", tc.in, tc.c)
		switch {
		case tc.ok && (e != nil || a.Minor != tc.minor || a.Currency != tc.c):
			t.Errorf("%q %s: %v %v", tc.in, tc.c, a, e)
		case !tc.ok && (e == nil || e.status != 400 || e.code != "invalid_amount" || e.field != "price"):
			t.Errorf("%q %s accepted or wrongly refused: %v %+v", tc.in, tc.c, a, e)
		}
	}
}

func TestQuantity(t *testing.T) {
	for q, ok := range map[int]bool{1: true, 10_000: true, 0: false, -1: false, 10_001: false, -1 << 62: false} {
		if _, e := quantity("quantity", &q); (e == nil) != ok {
			t.Errorf("%d: %v", q, e)
		}
	}
	if _, e := quantity("quantity", nil); e == nil || e.code != "missing_field" {
		t.Fatalf("missing: %v", e)
	}
}

func TestQueryParams(t *testing.T) {
	for _, tc := range []struct {
		url   string
		field string // "" when valid
	}{
		{"/?page=2&per_page=100&in_stock=true&sort=price_asc&merchant=" + ids.New("mer"), ""},
		{"/?page=0", "page"},
		{"/?page=-1", "page"},
		{"/?page=1e3", "page"},
		{"/?page=99999999999999999999", "page"},
		{"/?per_page=101", "per_page"},
		{"/?in_stock=yes", "in_stock"},
		{"/?sort=random()", "sort"},
		{"/?merchant=northfield", "merchant"},
		{"/?category=" + strings.Repeat("a", 61), "category"},
	} {
		q := newQuery(httptest.NewRequest("GET", tc.url, nil))
		catalogQuery(q, "")
		switch {
		case tc.field == "" && q.err != nil:
			t.Errorf("%s: %v", tc.url, q.err)
		case tc.field != "" && (q.err == nil || q.err.field != tc.field || q.err.status != http.StatusBadRequest):
			t.Errorf("%s: %+v, want an error on %s", tc.url, q.err, tc.field)
		}
	}
}

// FuzzCartItemDecode: decode-then-validate never panics, and whatever it
// accepts is a real request: a well-formed variant ID and a quantity in
// range, from a body of valid UTF-8 JSON.
func FuzzCartItemDecode(f *testing.F) {
	for _, s := range []string{
		`{"variant_id":"` + testVariant + `","quantity":1}`, `{"variant_id":"var_x","quantity":0}`,
		`{"quantity":1e400}`, `{"variant_id":null,"quantity":null}`, "\xff", `[]`, `{"quantity":-0}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		item, e := parseCartItem(b)
		if e != nil {
			if e.status < 400 || e.status > 499 || len(e.message) > 300 {
				t.Fatalf("bad refusal: %+v", e)
			}
			return
		}
		if !utf8.Valid(b) || !json.Valid(b) || !ids.Valid("var", item.variantID) || item.quantity < 1 || item.quantity > 10_000 {
			t.Fatalf("accepted %q as %+v", b, item)
		}
	})
}

// FuzzCheckoutDecode: the same for checkout: an accepted request has an
// address that passes the order domain's validation, a country we
// deliver to and a known shipping method.
func FuzzCheckoutDecode(f *testing.F) {
	f.Add([]byte(checkoutBody(nil)))
	f.Add([]byte(checkoutBody(func(m map[string]any) { addr(m)["line2"] = "Flat 2"; m["shipping_method"] = "express" })))
	f.Add([]byte(`{"address":{},"shipping_method":""}`))
	f.Add([]byte(`{"address":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, e := parseCheckout(b)
		if e != nil {
			if e.status < 400 || e.status > 499 || len(e.message) > 300 {
				t.Fatalf("bad refusal: %+v", e)
			}
			return
		}
		if !utf8.Valid(b) || !json.Valid(b) || req.address.Validate() != nil || !tax.Supported(req.country) {
			t.Fatalf("accepted %q as %+v", b, req)
		}
		if _, err := shipping.ParseMethod(string(req.method)); err != nil {
			t.Fatalf("accepted method %q", req.method)
		}
	})
}
