package waf

// Benchmarks of the WAF's cost per request, side by side with stock
// Coraza (its net/http middleware, recommended config, CRS at paranoia
// level 1, response bodies inspected as recommended), on one core:
//
//	go test -run '^$' -bench . -benchmem -cpu 1 ./internal/guard/waf/
//
// citadel-full is Citadel's WAF with the fast path off (every request runs
// the rules); citadel-fastpath repeats the same request, as a browser
// re-fetching a page does, and is answered by the memo after the first;
// citadel-fastpath-miss makes every request new (the memo's overhead).

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	txhttp "github.com/corazawaf/coraza/v3/http"
)

var ok200 = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("<!doctype html><title>ok</title>"))
})

func browserGET() *http.Request {
	r := httptest.NewRequest("GET", "/products/wool-socks-42?variant=red", nil)
	h := r.Header
	h.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
	h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8")
	h.Set("Accept-Language", "en-GB,en;q=0.9")
	h.Set("Accept-Encoding", "gzip, deflate, br")
	h.Set("Referer", "https://shop.example/categories/socks")
	h.Set("Cookie", "citadel_session=Zx8f3kQ2v9LmN4pR7tW1yB6cD0eH5jK8; theme=dark")
	h.Set("Sec-Fetch-Mode", "navigate")
	r.Host = "shop.example"
	return r
}

var checkoutForm = url.Values{
	"email": {"ada@example.org"}, "name": {"Ada Lovelace"}, "line1": {"12 St James's Square"},
	"line2": {"Flat 3"}, "city": {"London"}, "postcode": {"SW1Y 4JH"}, "country": {"GB"},
	"shipping": {"standard"}, "csrf_token": {"q3Vb9XkT2mLp8RzW4nYc6HfJ0aDs5EgU"}, "accept_terms": {"on"},
}

func formPOST() *http.Request {
	r := browserGET()
	r.Method = "POST"
	r.URL.Path, r.URL.RawQuery, r.RequestURI = "/checkout", "", "/checkout"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func benchHandler(b *testing.B, h http.Handler, mk func() *http.Request, body string) {
	b.ReportAllocs()
	for b.Loop() {
		r := mk()
		if body != "" {
			r.Body = nopCloser{strings.NewReader(body)}
			r.ContentLength = int64(len(body))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

func stockCoraza(b *testing.B) http.Handler {
	w, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).WithDirectives(
		"Include @coraza.conf-recommended\nSecRuleEngine On\nInclude @crs-setup.conf.example\nInclude @owasp_crs/*.conf"))
	if err != nil {
		b.Fatal(err)
	}
	return txhttp.WrapHandler(w, ok200)
}

func citadel(b *testing.B, cfg Config) (*WAF, http.Handler) {
	w, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return w, w.Middleware(ok200)
}

// benchFastPath runs the repeated request through Citadel's WAF with the
// memo on and reports the share of requests it answered.
func benchFastPath(b *testing.B, mk func() *http.Request, body string) {
	w, h := citadel(b, Config{})
	benchHandler(b, h, mk, body)
	hits, lookups := w.FastPathStats()
	b.ReportMetric(100*float64(hits)/float64(max(lookups, 1)), "hit%")
}

// uniqueQuery makes every request new to the memo: the fast path's cost
// on a miss (key, lookup, then the full rules).
func uniqueQuery(mk func() *http.Request) func() *http.Request {
	n := 0
	return func() *http.Request {
		r := mk()
		n++
		r.URL.RawQuery = "variant=red&n=" + strconv.Itoa(n)
		r.RequestURI = r.URL.RequestURI()
		return r
	}
}

func BenchmarkProductGET(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchHandler(b, ok200, browserGET, "") })
	b.Run("stock-coraza", func(b *testing.B) { benchHandler(b, stockCoraza(b), browserGET, "") })
	b.Run("citadel-full", func(b *testing.B) {
		_, h := citadel(b, Config{NoFastPath: true})
		benchHandler(b, h, browserGET, "")
	})
	b.Run("citadel-fastpath", func(b *testing.B) { benchFastPath(b, browserGET, "") })
	b.Run("citadel-fastpath-miss", func(b *testing.B) { benchFastPath(b, uniqueQuery(browserGET), "") })
}

func BenchmarkFormPOST(b *testing.B) {
	body := checkoutForm.Encode()
	b.Run("plain", func(b *testing.B) { benchHandler(b, ok200, formPOST, body) })
	b.Run("stock-coraza", func(b *testing.B) { benchHandler(b, stockCoraza(b), formPOST, body) })
	b.Run("citadel-full", func(b *testing.B) {
		_, h := citadel(b, Config{NoFastPath: true})
		benchHandler(b, h, formPOST, body)
	})
	b.Run("citadel-fastpath", func(b *testing.B) { benchFastPath(b, formPOST, body) })
	b.Run("citadel-fastpath-miss", func(b *testing.B) { benchFastPath(b, uniqueQuery(formPOST), body) })
}
