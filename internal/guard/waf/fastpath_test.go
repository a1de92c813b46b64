package waf

// The differential test of the fast path (fastpath.go): every request goes
// twice through Citadel's WAF with the memo on (the second time is a hit
// whenever the first passed) and once through the same compiled rules with
// the memo off (full evaluation, as the CRS regression suite validates it),
// and the outcomes must be equal: status, whether the handler ran, and the
// body it read.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// diffReq is one request on the wire and the address it comes from.
type diffReq struct {
	name   string
	raw    []byte
	remote string
}

// parse builds a fresh *http.Request from the raw bytes, with the body
// read into memory (a reader per run). ok is false when net/http would not
// have accepted the request.
func (d diffReq) parse() (*http.Request, bool) {
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(d.raw)))
	if err != nil {
		return nil, false
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) == 0 && r.ContentLength <= 0 {
		r.Body = http.NoBody
	}
	r.RemoteAddr = d.remote
	return r, true
}

type outcome struct {
	status  int
	reached bool
	body    string
}

// recordBody answers 200 and records that it ran and what body it read.
func recordBody(o *outcome) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.reached = true
		b, err := io.ReadAll(r.Body)
		if err != nil {
			o.body = "error: " + err.Error()
		} else {
			o.body = string(b)
		}
	})
}

func runOnce(w *WAF, r *http.Request) outcome {
	var o outcome
	rec := httptest.NewRecorder()
	w.Middleware(recordBody(&o)).ServeHTTP(rec, r)
	o.status = rec.Code
	return o
}

var (
	diffOnce       sync.Once
	diffFast       *WAF
	diffFull       *WAF
	diffCompileErr error
)

// diffWAFs returns Citadel's production configuration (block mode,
// paranoia level 1, the embedded exclusions) with the fast path, and the
// same compiled rules without it.
func diffWAFs(t testing.TB) (fast, full *WAF) {
	diffOnce.Do(func() {
		diffFast, diffCompileErr = New(Config{RequestID: func(*http.Request) string { return "req-1" }})
		if diffCompileErr == nil {
			if diffFast.memo == nil {
				diffCompileErr = fmt.Errorf("fast path is off in the default config")
				return
			}
			cp := *diffFast
			cp.memo = nil
			diffFull = &cp
		}
	})
	if diffCompileErr != nil {
		t.Fatal(diffCompileErr)
	}
	return diffFast, diffFull
}

type diffCounts struct {
	mu                            sync.Mutex
	requests, unparsable, blocked int
	passed, memoHits, mismatches  int
	byCorpus                      map[string][3]int // requests, blocked, hits
}

// compare runs d through both paths and fails t on a difference.
func compare(t testing.TB, fast, full *WAF, d diffReq, corpus string, c *diffCounts) {
	var outs [3]outcome
	hit := false
	for i := range outs {
		r, ok := d.parse()
		if !ok {
			if c != nil {
				c.mu.Lock()
				c.unparsable++
				c.mu.Unlock()
			}
			return
		}
		w := fast
		if i == 1 {
			if body, ok := memoBody(r); ok {
				hit = fast.memo.peek(fast.memo.keyOf(r, body))
			}
			if !hit && !outs[0].reached {
				// Not in the memo: the second run would be the first
				// over again (the rules are deterministic). Skip it to
				// keep the suite fast.
				outs[1] = outs[0]
				continue
			}
		}
		if i == 2 {
			w = full
		}
		outs[i] = runOnce(w, r)
	}
	for i := range 2 {
		if outs[i] != outs[2] {
			t.Errorf("%s/%s: fast path run %d = %+v, full evaluation = %+v\n%s", corpus, d.name, i+1, outs[i], outs[2], d.raw)
		}
	}
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	row := c.byCorpus[corpus]
	row[0]++
	if outs[2].reached {
		c.passed++
	} else {
		c.blocked++
		row[1]++
	}
	if outs[0] != outs[2] || outs[1] != outs[2] {
		c.mismatches++
	}
	if hit {
		c.memoHits++
		row[2]++
	}
	c.byCorpus[corpus] = row
}

func runDiff(t *testing.T, corpora map[string][]diffReq) *diffCounts {
	fast, full := diffWAFs(t)
	c := &diffCounts{byCorpus: map[string][3]int{}}
	type job struct {
		corpus string
		d      diffReq
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range work {
				compare(t, fast, full, j.d, j.corpus, c)
			}
		})
	}
	for name, reqs := range corpora {
		for _, d := range reqs {
			work <- job{name, d}
		}
	}
	close(work)
	wg.Wait()
	for name, row := range c.byCorpus {
		t.Logf("%-10s %5d requests, %5d blocked, %5d second runs answered by the memo", name, row[0], row[1], row[2])
	}
	t.Logf("total %d requests (%d unparsable, skipped), %d blocked, %d passed, %d memo hits, %d mismatches",
		c.requests, c.unparsable, c.blocked, c.passed, c.memoHits, c.mismatches)
	return c
}

// crsDiffCorpus is every stage of every CRS regression case.
func crsDiffCorpus(t *testing.T) []diffReq {
	cases, err := loadCRSCases(crsTestdata)
	if err != nil {
		t.Fatal(err)
	}
	var out []diffReq
	for _, c := range cases {
		for i, st := range c.Stages {
			out = append(out, diffReq{name: fmt.Sprintf("%s/%d", c.ID, i+1), raw: st.Raw, remote: "198.51.100.7:40000"})
		}
	}
	return out
}

// storeUser is one shopper: their browser, address and session.
type storeUser struct {
	ua, lang, ip, session string
}

var storeUsers = []storeUser{
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "en-GB,en;q=0.9", "203.0.113.10", "Zx8f3kQ2v9LmN4pR7tW1yB6cD0eH5jK8"},
	{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "de-DE,de;q=0.8,en-US;q=0.5,en;q=0.3", "203.0.113.11", "Qm4nR8sT2vW6xY0zA3bC7dE1fG5hJ9kL"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "fr-FR,fr;q=0.9", "198.51.100.23", "p0O9i8U7y6T5r4E3w2Q1a2S3d4F5g6H7"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "en-US,en;q=0.9", "2001:db8::42", "mN3bV5cX7zL9kJ1hG3fD5sA7pO9iU1yT"},
	{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36", "es-ES,es;q=0.9", "192.0.2.77", "aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "nl-NL,nl;q=0.9,en;q=0.8", "203.0.113.200", "Wq2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc"},
}

// wire writes a request as a browser would send it.
func wire(method, uri string, hdr [][2]string, body string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: shop.example\r\n", method, uri)
	for _, h := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	if body != "" || method == "POST" {
		fmt.Fprintf(&b, "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.Bytes()
}

func (u storeUser) headers(accept, referer string, signedIn bool) [][2]string {
	h := [][2]string{
		{"User-Agent", u.ua},
		{"Accept", accept},
		{"Accept-Language", u.lang},
		{"Accept-Encoding", "gzip, deflate, br"},
	}
	if referer != "" {
		h = append(h, [2]string{"Referer", "https://shop.example" + referer})
	}
	cookie := "theme=light; consent=necessary"
	if signedIn {
		cookie = "citadel_session=" + u.session + "; " + cookie
	}
	return append(h, [2]string{"Cookie", cookie})
}

const (
	acceptHTML  = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	acceptCSS   = "text/css,*/*;q=0.1"
	acceptImage = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
	acceptAny   = "*/*"
)

// benignCorpus is store traffic in the order it happens: each user browses
// pages (each view fetching its static assets), searches, signs in, adds
// to the cart and checks out, going back to pages already seen.
func benignCorpus() []diffReq {
	products := []string{"wool-socks-42", "linen-shirt-7", "oak-chopping-board", "ceramic-mug-blue", "trail-running-shoes-w"}
	searches := []string{"wool socks", "blue mug", "running shoes size 38", "gift for dad", "organic cotton t-shirt", "chopping board"}
	var out []diffReq
	for ui, u := range storeUsers {
		remote := u.ip + ":51234"
		if strings.Contains(u.ip, ":") {
			remote = "[" + u.ip + "]:51234"
		}
		n := 0
		add := func(method, uri string, hdr [][2]string, body string) {
			n++
			out = append(out, diffReq{name: fmt.Sprintf("user%d/%02d %s %s", ui, n, method, uri), raw: wire(method, uri, hdr, body), remote: remote})
		}
		view := func(path, referer string, signedIn bool) {
			add("GET", path, u.headers(acceptHTML, referer, signedIn), "")
			add("GET", "/static/css/site.3f9a1c.css", u.headers(acceptCSS, path, signedIn), "")
			add("GET", "/static/js/app.8b2e47.js", u.headers(acceptAny, path, signedIn), "")
			add("GET", "/static/img/logo.svg", u.headers(acceptImage, path, signedIn), "")
		}
		view("/", "", false)
		view("/categories/home-and-kitchen", "/", false)
		for i, p := range products {
			if (i+ui)%2 == 0 {
				view("/products/"+p, "/categories/home-and-kitchen", false)
				add("GET", "/static/img/products/"+p+"-800.webp", u.headers(acceptImage, "/products/"+p, false), "")
				view("/categories/home-and-kitchen", "/products/"+p, false)
			}
		}
		q := searches[ui%len(searches)]
		view("/search?q="+url.QueryEscape(q), "/", false)
		view("/search?q="+url.QueryEscape(q)+"&page=2", "/search?q="+url.QueryEscape(q), false)
		view("/signin", "/", false)
		add("POST", "/signin", u.headers(acceptHTML, "/signin", false), url.Values{
			"email": {fmt.Sprintf("shopper%d@example.org", ui)}, "password": {"correct horse battery staple " + fmt.Sprint(ui)},
			"csrf_token": {"t0k3nAbCdEfGhIjKlMnOpQrStUvWx" + fmt.Sprint(ui)},
		}.Encode())
		if ui == 0 {
			add("POST", "/register", u.headers(acceptHTML, "/register", false), url.Values{
				"name": {"Ada Lovelace"}, "email": {"ada@example.org"}, "password": {"Analytical-Engine-1843"},
				"password2": {"Analytical-Engine-1843"}, "csrf_token": {"t0k3nRegister0"}, "newsletter": {"on"},
			}.Encode())
		}
		for i, p := range products {
			if (i+ui)%2 == 1 {
				view("/products/"+p, "/", true)
				add("POST", "/cart/add", u.headers(acceptHTML, "/products/"+p, true), url.Values{"product": {p}, "qty": {fmt.Sprint(1 + i%3)}, "csrf_token": {"c5rfT0k3n" + u.session[:8]}}.Encode())
				view("/products/"+p, "/cart", true)
			}
		}
		view("/cart", "/", true)
		view("/checkout", "/cart", true)
		add("POST", "/checkout", u.headers(acceptHTML, "/checkout", true), url.Values{
			"email": {fmt.Sprintf("shopper%d@example.org", ui)}, "name": {"Sam O'Neill"}, "line1": {"12 St James's Square"},
			"line2": {"Flat 3"}, "city": {"London"}, "postcode": {"SW1Y 4JH"}, "country": {"GB"},
			"shipping": {"standard"}, "csrf_token": {"c5rfT0k3n" + u.session[:8]}, "accept_terms": {"on"},
		}.Encode())
		view("/orders/ord_7Hk2"+u.session[:6], "/checkout", true)
		view("/", "/orders", true)
	}
	return out
}

// attackCorpus puts payloads from the CRS tests (the values of their query
// strings and form bodies, for the LFI, RFI, RCE, PHP, XSS, SQLi and Java
// rule files) into the store's own requests, with a real browser's
// headers and session, plus the CRS's scanner User-Agents.
func attackCorpus(t *testing.T) []diffReq {
	cases, err := loadCRSCases(crsTestdata)
	if err != nil {
		t.Fatal(err)
	}
	families := []string{"-930-", "-931-", "-932-", "-933-", "-934-", "-941-", "-942-", "-944-"}
	seen := map[string]bool{}
	var payloads []string
	for _, c := range cases {
		if !strings.HasPrefix(c.File, "REQUEST-") || !containsAny(c.File, families) {
			continue
		}
		r, ok := diffReq{raw: c.Stages[0].Raw}.parse()
		if !ok {
			continue
		}
		vals := r.URL.Query()
		if b, err := io.ReadAll(r.Body); err == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			if bv, err := url.ParseQuery(string(b)); err == nil {
				for k, v := range bv {
					vals[k] = append(vals[k], v...)
				}
			}
		}
		for _, vs := range vals {
			for _, v := range vs {
				if len(v) >= 4 && !seen[v] && len(payloads) < 400 {
					seen[v] = true
					payloads = append(payloads, v)
				}
			}
		}
	}
	u := storeUsers[0]
	var out []diffReq
	for i, p := range payloads {
		out = append(out,
			diffReq{name: fmt.Sprintf("search/%d", i), raw: wire("GET", "/search?q="+url.QueryEscape(p), u.headers(acceptHTML, "/", true), ""), remote: "203.0.113.66:40000"},
			diffReq{name: fmt.Sprintf("checkout/%d", i), raw: wire("POST", "/checkout", u.headers(acceptHTML, "/checkout", true), url.Values{"name": {"Ada"}, "line2": {p}, "city": {"London"}}.Encode()), remote: "203.0.113.66:40000"},
		)
	}
	data, err := fs.ReadFile(rulesFS(), "@owasp_crs/scanners-user-agents.data")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		hdr := u.headers(acceptHTML, "", false)
		hdr[0][1] = line + "/1.0"
		out = append(out, diffReq{name: "scanner/" + line, raw: wire("GET", "/products/wool-socks-42", hdr, ""), remote: "203.0.113.67:40000"})
	}
	if len(payloads) < 100 || n < 10 {
		t.Fatalf("attack corpus too small: %d payloads, %d scanners", len(payloads), n)
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestFastPathDifferential(t *testing.T) {
	corpora := map[string][]diffReq{
		"benign": benignCorpus(),
		"attack": attackCorpus(t),
	}
	if !testing.Short() {
		corpora["crs"] = crsDiffCorpus(t)
	}
	c := runDiff(t, corpora)
	if c.mismatches != 0 {
		t.Fatalf("%d mismatches", c.mismatches)
	}
	if b := c.byCorpus["benign"]; b[1] != 0 {
		t.Errorf("%d benign requests blocked", b[1])
	}
	if a := c.byCorpus["attack"]; a[1] < a[0]/2 {
		t.Errorf("only %d of %d attack requests blocked", a[1], a[0])
	}
}

// TestFastPathHitRate replays the benign corpus once, in order, through a
// fresh memo: the share of requests answered without running the rules.
func TestFastPathHitRate(t *testing.T) {
	fast, _ := diffWAFs(t)
	w := *fast
	w.memo = newMemo(w.cfg)
	corpus := benignCorpus()
	for _, d := range corpus {
		r, ok := d.parse()
		if !ok {
			t.Fatalf("%s: unparsable", d.name)
		}
		if o := runOnce(&w, r); o.status != 200 {
			t.Fatalf("%s: status %d", d.name, o.status)
		}
	}
	hits, lookups := w.FastPathStats()
	t.Logf("benign corpus: %d requests from %d users, %d memo hits: hit rate %.1f%%, %d entries", len(corpus), len(storeUsers), hits, 100*float64(hits)/float64(lookups), w.memo.len())
	if lookups != uint64(len(corpus)) || hits == 0 {
		t.Fatalf("hits %d, lookups %d, requests %d", hits, lookups, len(corpus))
	}
}

func TestFastPathBounds(t *testing.T) {
	fast, _ := diffWAFs(t)
	w := *fast
	w.memo = newMemo(w.cfg)
	u := storeUsers[0]
	t.Run("ok/memo-stays-bounded", func(t *testing.T) {
		for i := range 3 * memoEntries {
			var k memoKey
			k[0], k[1], k[2] = byte(i), byte(i>>8), byte(i>>16)
			w.memo.add(k)
		}
		if n := w.memo.len(); n > memoEntries {
			t.Fatalf("memo holds %d entries, cap %d", n, memoEntries)
		}
	})
	t.Run("ok/large-body-not-memoized", func(t *testing.T) {
		body := url.Values{"note": {strings.Repeat("a", maxMemoBody)}}.Encode()
		d := diffReq{name: "large", raw: wire("POST", "/cart/add", u.headers(acceptHTML, "/", true), body), remote: "203.0.113.10:1"}
		for range 2 {
			r, _ := d.parse()
			if o := runOnce(&w, r); o.body != body {
				t.Fatalf("handler read %d bytes, want %d", len(o.body), len(body))
			}
		}
		if hits, _ := w.FastPathStats(); hits != 0 {
			t.Fatalf("large body memoized: %d hits", hits)
		}
	})
	t.Run("ok/blocks-never-memoized", func(t *testing.T) {
		d := diffReq{name: "sqli", raw: wire("GET", "/search?q="+url.QueryEscape("1' OR '1'='1' UNION SELECT password FROM users --"), u.headers(acceptHTML, "/", true), ""), remote: "203.0.113.10:1"}
		for range 2 {
			r, _ := d.parse()
			if o := runOnce(&w, r); o.status != 403 {
				t.Fatalf("status %d, want 403", o.status)
			}
		}
		if hits, _ := w.FastPathStats(); hits != 0 {
			t.Fatalf("block memoized: %d hits", hits)
		}
	})
	t.Run("fail/detect-mode-has-no-memo", func(t *testing.T) {
		if m := newMemo(Config{Mode: ModeDetect}); m != nil {
			t.Fatal("memo on in detect mode")
		}
		if m := newMemo(Config{Mode: ModeBlock, CustomRules: `SecRule TIME_HOUR "@eq 3" "id:12001,phase:1,deny"`}); m != nil {
			t.Fatal("memo on with a time-dependent custom rule")
		}
	})
}

// FuzzFastPath builds requests from the fuzz input and checks that the
// fast path (twice) and full evaluation agree.
func FuzzFastPath(f *testing.F) {
	f.Add(uint8(0), "products/wool-socks-42", "variant=red", storeUsers[0].ua, "citadel_session=abc; theme=dark", "")
	f.Add(uint8(1), "checkout", "", storeUsers[1].ua, "citadel_session=xyz", "name=Ada&line1=12+St+James%27s+Square")
	f.Add(uint8(0), "search", "q=1'+OR+'1'='1", storeUsers[2].ua, "", "")
	f.Add(uint8(1), "cart", "", "sqlmap/1.7", "x=<script>alert(1)</script>", "qty=2")
	f.Add(uint8(2), "static/../../etc/passwd", "", "curl/8.0", "", "")
	f.Add(uint8(1), "signin", "", storeUsers[3].ua, "", "email=a%40b.c&password=;cat /etc/passwd")
	f.Fuzz(func(t *testing.T, m uint8, path, query, ua, cookie, body string) {
		fast, full := diffWAFs(t)
		methods := []string{"GET", "POST", "HEAD", "PUT", "OPTIONS", "DELETE", "PATCH", "TRACE"}
		method := methods[int(m)%len(methods)]
		uri := "/" + path
		if query != "" {
			uri += "?" + query
		}
		if strings.ContainsAny(uri, " \r\n") || strings.ContainsAny(ua+cookie, "\r\n\x00") || len(body) > 3*maxMemoBody {
			t.Skip()
		}
		hdr := [][2]string{{"User-Agent", ua}, {"Accept", acceptHTML}}
		if cookie != "" {
			hdr = append(hdr, [2]string{"Cookie", cookie})
		}
		d := diffReq{name: "fuzz", raw: wire(method, uri, hdr, body), remote: "203.0.113.99:4242"}
		compare(t, fast, full, d, "fuzz", nil)
	})
}
