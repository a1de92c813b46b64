package respcheck

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.mu.Unlock()
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.evs...)
}

func checked(log *eventLog, next http.Handler) http.Handler {
	return Middleware(Config{
		RequestID: func(*http.Request) string { return "req-42" },
		OnMatch:   log.add,
	})(next)
}

// writes answers with the given pieces, one Write each.
func writes(pieces ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Handler", "yes")
		for _, p := range pieces {
			if _, err := io.WriteString(w, p); err != nil {
				return
			}
		}
	})
}

func TestMiddleware(t *testing.T) {
	page := func(s string) string { return "<!doctype html><p>Order total: 42.00</p><pre>" + s + "</pre>" }
	tests := []struct {
		name   string
		pieces []string
		kind   string // "" for a response that must pass unchanged
	}{
		{"ok/plain-page", []string{page("thanks for your order 12345")}, ""},
		{"ok/non-luhn-16-digits", []string{page("ref 4111 1111 1111 1112")}, ""},
		{"ok/card-inside-longer-number", []string{page("tracking 94111111111111111100")}, ""},
		{"ok/card-digits-inside-20-digit-run", []string{page("id=14111111111111111")}, ""},
		{"ok/timestamp-ms", []string{page("generated at 1732531200000")}, ""},
		{"ok/prose-mentions-panic", []string{page("Don't panic: it ships tomorrow")}, ""},
		{"ok/masked-card", []string{page("card ending 1111, **** **** **** 1111")}, ""},
		{"fail/card-plain", []string{page("card 4111111111111111 on file")}, KindCard},
		{"fail/card-spaces", []string{page("4111 1111 1111 1111")}, KindCard},
		{"fail/card-dashes", []string{page("5555-5555-5555-4444")}, KindCard},
		{"fail/amex-15", []string{page("378282246310005")}, KindCard},
		{"fail/card-in-space-list", []string{page("12 4111111111111111 99")}, KindCard},
		{"fail/card-split-across-writes", []string{"<p>card 4111 1111 ", "1111 1111 expires 12/29</p>"}, KindCard},
		{"fail/card-split-mid-group", []string{"card 41111111", "11111111"}, KindCard},
		{"fail/card-at-end-of-body", []string{"4111111111111111"}, KindCard},
		{"fail/go-trace", []string{page("panic: runtime error: index out of range\n\ngoroutine 1 [running]:\nmain.main()")}, KindStackTrace},
		{"fail/go-trace-split", []string{"oops\ngorout", "ine 17 [run", "ning]:\n"}, KindStackTrace},
		{"fail/python-trace", []string{page("Traceback (most recent call last):\n  File \"app.py\", line 3")}, KindStackTrace},
		{"fail/java-trace", []string{page("java.lang.NullPointerException\n\tat java.base/java.util.Objects.requireNonNull(Objects.java:209)")}, KindStackTrace},
		{"fail/sqlite-logic", []string{page("SQL logic error: no such table: users")}, KindSQLError},
		{"fail/sqlite-near", []string{page(`near "FROM": syntax error`)}, KindSQLError},
		{"fail/postgres-syntax", []string{page("ERROR:  syntax error at or near \"SELEC\"")}, KindSQLError},
		{"fail/pq", []string{page("pq: duplicate key value violates unique constraint")}, KindSQLError},
		{"fail/sqlstate", []string{page("SQLSTATE[42000]: Syntax error")}, KindSQLError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			log := &eventLog{}
			rec := httptest.NewRecorder()
			checked(log, writes(tc.pieces...)).ServeHTTP(rec, httptest.NewRequest("GET", "/orders/7", nil))
			body := rec.Body.String()
			evs := log.all()
			if tc.kind == "" {
				if rec.Code != 200 || body != strings.Join(tc.pieces, "") || len(evs) != 0 || rec.Header().Get("X-Handler") != "yes" {
					t.Fatalf("got %d %q, events %+v", rec.Code, body, evs)
				}
				return
			}
			if rec.Code != 500 || !strings.Contains(body, "req-42") || rec.Header().Get("X-Handler") != "" {
				t.Fatalf("got %d %q %v, want 500 with the request ID", rec.Code, body, rec.Header())
			}
			if len(evs) != 1 || evs[0] != (Event{Kind: tc.kind, Path: "/orders/7", RequestID: "req-42"}) {
				t.Fatalf("events %+v, want one %s", evs, tc.kind)
			}
			for _, digits := range []string{"4111", "1111", "5555", "3782", "panic", "SQL", "near"} {
				if strings.Contains(body, digits) {
					t.Errorf("error page leaks %q", digits)
				}
			}
		})
	}
}

func TestMiddlewareKeepsStatusAndEmptyBodies(t *testing.T) {
	log := &eventLog{}
	h := checked(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "not here")
		}
	}))
	for path, want := range map[string]int{"/gone": 404, "/empty": 200} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("ok/status%s: got %d, want %d", path, rec.Code, want)
		}
	}
}

// TestMiddlewareFlush: a streaming handler's flushes reach the client.
func TestMiddlewareFlush(t *testing.T) {
	rec := httptest.NewRecorder()
	h := checked(&eventLog{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "event: one\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
		if !rec.Flushed || rec.Body.String() != "event: one\n\n" {
			t.Errorf("ok/flush: flushed=%v body %q", rec.Flushed, rec.Body.String())
		}
		if _, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok {
			t.Error("no Unwrap")
		}
	}))
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/events", nil))
}

// TestMiddlewareLateMatchAborts streams a response past the buffer limit
// with a card number near its end: the connection is cut, no digit of the
// card reaches the client, and the event is raised.
func TestMiddlewareLateMatchAborts(t *testing.T) {
	log := &eventLog{}
	chunk := strings.Repeat("<li>wool socks, size 38, 12.00</li>\n", 100)
	srv := httptest.NewServer(checked(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 60 { // about 220 KB
			_, _ = io.WriteString(w, chunk)
		}
		_, _ = io.WriteString(w, "<p>card 4111 1111 ")
		_, _ = io.WriteString(w, "1111 1111</p>")
		_, _ = io.WriteString(w, chunk)
	})))
	srv.Config.ErrorLog = nil
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/export")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: headers should have gone out", resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatalf("fail/late-card: read %d bytes without error, want an aborted connection", len(b))
	}
	if bytes.Contains(b, []byte("4111")) {
		t.Fatal("fail/late-card: part of the card reached the client")
	}
	if len(b) < BufferLimit {
		t.Fatalf("only %d bytes before the abort", len(b))
	}
	evs := log.all()
	if len(evs) != 1 || evs[0].Kind != KindCard || !evs[0].Aborted || evs[0].Path != "/export" {
		t.Fatalf("events %+v", evs)
	}
}

// TestMiddlewareLargeCleanResponse: a clean response past the buffer
// limit arrives whole.
func TestMiddlewareLargeCleanResponse(t *testing.T) {
	body := strings.Repeat("0123456789 abcdefghij - ", 20000)
	rec := httptest.NewRecorder()
	var pieces []string
	for i := 0; i < len(body); i += 1000 {
		pieces = append(pieces, body[i:min(i+1000, len(body))])
	}
	checked(&eventLog{}, writes(pieces...)).ServeHTTP(rec, httptest.NewRequest("GET", "/big", nil))
	if rec.Code != 200 || rec.Body.String() != body {
		t.Fatalf("got %d, %d bytes, want %d", rec.Code, rec.Body.Len(), len(body))
	}
}

func TestWriteAfterBlock(t *testing.T) {
	var werr error
	h := checked(&eventLog{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Traceback (most recent call last):")
		_, werr = io.WriteString(w, "more")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !errors.Is(werr, ErrBlocked) || rec.Code != 500 {
		t.Fatalf("write after block: %v, status %d", werr, rec.Code)
	}
}

// reference is a slow, obviously-correct scan of a whole body.
func reference(b []byte) string {
	if refTrace.Match(b) {
		return KindStackTrace
	}
	if refSQL.Match(b) {
		return KindSQLError
	}
	for _, m := range refRun.FindAll(b, -1) {
		groups := refGroup.FindAll(m, -1)
		for i := range groups {
			var d []byte
			for j := i; j < len(groups); j++ {
				d = append(d, groups[j]...)
				if len(d) > 19 {
					break
				}
				if isCard(d) {
					return KindCard
				}
			}
		}
	}
	return ""
}

var (
	refTrace = regexp.MustCompile(`goroutine [0-9]{1,20} \[running\]:|(?m)(^|[\r>])[ \t]*(panic: |at java\.)|Traceback \(most recent call last\):`)
	refSQL   = regexp.MustCompile(`SQL logic error|ERROR:  syntax error at or near|SQLSTATE|(^|[^A-Za-z0-9])pq: |near "[^\n]{0,64}": syntax error`)
	refRun   = regexp.MustCompile(`[0-9]+([ -][0-9]+)*`)
	refGroup = regexp.MustCompile(`[0-9]+`)
)

func scanPieces(b []byte, cuts []int) string {
	var s Scanner
	prev := 0
	for _, c := range cuts {
		if c > prev && c < len(b) {
			if k := s.Write(b[prev:c]); k != "" {
				return k
			}
			prev = c
		}
	}
	s.Write(b[prev:])
	return s.Close()
}

// FuzzScanner: the streaming scanner finds a leak in a body however it is
// cut into writes, and finds one exactly when the reference does (a found
// kind may differ when a body holds leaks of two kinds).
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		"card 4111 1111 1111 1111 ok", "4111-1111-1111-1112", "94111111111111111100",
		"panic: x\ngoroutine 1 [running]:", "x near \"FROM\": syntax error", "pq: no", "xpq: no",
		"Traceback (most recent call last):", "\tat java.lang.Thread.run", "12 378282246310005 9",
	} {
		f.Add([]byte(s), uint16(5), uint16(17))
	}
	f.Fuzz(func(t *testing.T, b []byte, c1, c2 uint16) {
		want := reference(b)
		got := scanPieces(b, []int{int(c1) % (len(b) + 1), int(c2) % (len(b) + 1)})
		whole := scanPieces(b, nil)
		if (got == "") != (want == "") || (whole == "") != (want == "") {
			t.Fatalf("%q cut at %d,%d: streaming %q, whole %q, reference %q", b, c1, c2, got, whole, want)
		}
		if len(b) < 2000 {
			var every []int
			for i := range b {
				every = append(every, i)
			}
			if byte1 := scanPieces(b, every); (byte1 == "") != (want == "") {
				t.Fatalf("%q byte by byte: %q, reference %q", b, byte1, want)
			}
		}
	})
}

// BenchmarkPage20KB: the check's cost over a 20 KB HTML page written in
// 4 KB pieces, next to the page without it.
func BenchmarkPage20KB(b *testing.B) {
	row := `<tr><td><a href="/products/wool-socks-42">Wool socks, size 38</a></td><td>12.00 EUR</td><td>SKU 100423</td></tr>` + "\n"
	page := []byte(strings.Repeat(row, 20<<10/len(row)))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(page); i += 4096 {
			_, _ = w.Write(page[i:min(i+4096, len(page))])
		}
	})
	req := httptest.NewRequest("GET", "/products", nil)
	for name, hh := range map[string]http.Handler{"plain": h, "respcheck": Middleware(Config{})(h)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				rec := httptest.NewRecorder()
				hh.ServeHTTP(rec, req)
				if rec.Code != 200 || rec.Body.Len() != len(page) {
					b.Fatalf("%d, %d bytes", rec.Code, rec.Body.Len())
				}
			}
		})
	}
}
