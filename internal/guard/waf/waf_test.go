package waf

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/citadel-store/citadel/internal/httpx"
)

// sharedWAFs compiles each configuration once per test binary: the CRS
// takes about a second to compile.
var (
	wafMu    sync.Mutex
	wafCache = map[Mode]*WAF{}
	events   = map[Mode]*eventLog{}
)

type eventLog struct {
	mu  sync.Mutex
	evs map[string]Event // by request ID
}

func (l *eventLog) get(id string) (Event, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev, ok := l.evs[id]
	return ev, ok
}

func testWAF(t testing.TB, mode Mode) (*WAF, *eventLog) {
	t.Helper()
	wafMu.Lock()
	defer wafMu.Unlock()
	if w, ok := wafCache[mode]; ok {
		return w, events[mode]
	}
	log := &eventLog{evs: map[string]Event{}}
	w, err := New(Config{
		Mode:      mode,
		RequestID: func(r *http.Request) string { return httpx.RequestIDFrom(r.Context()) },
		OnBlock: func(ev Event) {
			log.mu.Lock()
			log.evs[ev.RequestID] = ev
			log.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wafCache[mode], events[mode] = w, log
	return w, log
}

// echo answers 200 with the request body it read.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read: "+err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	_, _ = w.Write(append([]byte("ok:"), b...))
})

func form(method, target string, vals url.Values, id string) *http.Request {
	var body io.Reader
	if vals != nil {
		body = strings.NewReader(vals.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if vals != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return r.WithContext(httpx.WithRequestID(context.Background(), id))
}

func TestMiddleware(t *testing.T) {
	sqli := url.Values{"q": {"1' OR '1'='1' UNION SELECT password FROM users --"}}
	review := url.Values{"title": {"Great; select it"}, "body": {"I'd select this over the other one; drop the old one and union them: 1=1, or 'best' = 'best'"}}
	tests := []struct {
		name       string
		mode       Mode
		req        *http.Request
		wantStatus int
		wantBody   string
		wantEvent  bool
	}{
		{"ok/product-page", ModeBlock, form("GET", "/products/42?variant=red", nil, "r1"), 200, "ok:", false},
		{"ok/form-body-reaches-handler", ModeBlock, form("POST", "/cart", url.Values{"qty": {"2"}}, "r2"), 200, "ok:qty=2", false},
		{"fail/sqli-in-query", ModeBlock, form("GET", "/search?q="+url.QueryEscape(sqli.Get("q")), nil, "r3"), 403, "r3", true},
		{"fail/sqli-in-body", ModeBlock, form("POST", "/cart", sqli, "r4"), 403, "r4", true},
		{"fail/xss-in-review", ModeBlock, form("POST", "/products/42/reviews", url.Values{"body": {"<script>alert(document.cookie)</script>"}}, "r5"), 403, "r5", true},
		{"fail/sqli-in-review-rating", ModeBlock, form("POST", "/products/42/reviews", url.Values{"rating": {sqli.Get("q")}, "body": {"fine"}}, "r6"), 403, "r6", true},
		{"ok/prose-in-review", ModeBlock, form("POST", "/products/42/reviews", review, "r7"), 200, "ok:", false},
		{"fail/prose-elsewhere", ModeBlock, form("POST", "/cart", review, "r8"), 403, "r8", true},
		{"ok/detect-lets-through", ModeDetect, form("POST", "/cart", sqli, "r9"), 200, "ok:q=", true},
		{"ok/off", ModeOff, form("POST", "/cart", sqli, "r10"), 200, "ok:q=", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, log := testWAF(t, tc.mode)
			rec := httptest.NewRecorder()
			w.Middleware(echo).ServeHTTP(rec, tc.req)
			body := rec.Body.String()
			if rec.Code != tc.wantStatus || !strings.Contains(body, tc.wantBody) {
				t.Fatalf("got %d %q, want %d containing %q", rec.Code, body, tc.wantStatus, tc.wantBody)
			}
			id := httpx.RequestIDFrom(tc.req.Context())
			var ev Event
			var got bool
			if log != nil {
				ev, got = log.get(id)
			}
			if got != tc.wantEvent {
				t.Fatalf("event reported = %v, want %v (%+v)", got, tc.wantEvent, ev)
			}
			if rec.Code == 403 {
				for _, leak := range []string{"942", "941", "id \"", "SQL", "XSS", "anomaly", "password"} {
					if strings.Contains(body, leak) {
						t.Errorf("block page leaks %q: %s", leak, body)
					}
				}
			}
			if got {
				if ev.Blocked != (tc.mode == ModeBlock) || ev.AnomalyScore < 5 || len(ev.Matches) == 0 {
					t.Errorf("event = %+v", ev)
				}
				for _, m := range ev.Matches {
					if len(m.Data) > MaxMatchedData {
						t.Errorf("match data %d bytes: %q", len(m.Data), m.Data)
					}
				}
			}
		})
	}
}

func TestMiddlewareBodyLimit(t *testing.T) {
	w, _ := testWAF(t, ModeBlock)
	r := form("POST", "/cart", url.Values{"note": {strings.Repeat("a", 4096)}}, "big")
	rec := httptest.NewRecorder()
	limited := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(rw, r.Body, 1024)
		w.Middleware(echo).ServeHTTP(rw, r)
	})
	limited.ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("fail/body-past-limit: got %d %q, want 413", rec.Code, rec.Body.String())
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"fail/unknown-mode":      {Mode: "monitor"},
		"fail/paranoia-5":        {ParanoiaLevel: 5},
		"fail/paranoia-negative": {ParanoiaLevel: -1},
		"fail/method-injection":  {AllowedMethods: []string{"GET'\"setvar:tx.x=1"}},
		"fail/negative-limit":    {Limits: Limits{ArgLength: -1}},
		"fail/bad-custom-rule":   {CustomRules: `SecRule ARGS "@rx (" "id:12000,phase:2,deny"`},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("New = %v, want ErrConfig", err)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", "abc"},
		{"abcdef", "abcd"},
		{"abé", "abé"},  // exactly 4 bytes
		{"abcé", "abc"}, // é straddles the cut
		{"\xff\xfe\xfd\xfc\xfb", "\xff\xfe\xfd\xfc"},
	} {
		if got := truncate(tc.in, 4); got != tc.want {
			t.Errorf("truncate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
