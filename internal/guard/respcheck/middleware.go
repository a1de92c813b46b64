package respcheck

import (
	"errors"
	"html"
	"io"
	"net/http"
	"strings"
)

// Event is one response stopped. It never carries the matched text.
type Event struct {
	Kind      string // KindCard, KindStackTrace or KindSQLError
	Path      string
	RequestID string
	// Aborted is true when the headers had gone out and the connection
	// was cut instead of answering 500.
	Aborted bool
}

// Config configures the check. The zero Config works.
type Config struct {
	// RequestID returns the ID shown on the error page and in events.
	RequestID func(*http.Request) string
	// OnMatch receives every response stopped, on the request's goroutine.
	OnMatch func(Event)
}

// BufferLimit is how much of a response is held back before its headers
// go out: a leak found within it becomes a clean 500; past it, the
// connection is aborted.
const BufferLimit = 64 << 10

// holdBack is how much scanned output stays unsent once streaming, so that
// no byte of a leak found later has gone out: more than the text window and
// the longest card (19 digits, 18 separators) with the byte that ends it.
const holdBack = window + 40

// ErrBlocked is returned from Write once the response has been stopped.
var ErrBlocked = errors.New("respcheck: response blocked")

// Middleware scans every response body next writes.
func Middleware(cfg Config) func(http.Handler) http.Handler {
	if cfg.RequestID == nil {
		cfg.RequestID = func(*http.Request) string { return "" }
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cw := &checkWriter{w: w, r: r, cfg: &cfg}
			next.ServeHTTP(cw, r)
			cw.finish()
		})
	}
}

type checkWriter struct {
	w   http.ResponseWriter
	r   *http.Request
	cfg *Config

	status  int  // what the handler asked for; 0 until it wrote
	sent    bool // headers went out
	blocked bool
	pass    bool   // a binary body: not scanned (see textual)
	buf     []byte // scanned, not yet sent
	sc      Scanner
}

func (c *checkWriter) Header() http.Header { return c.w.Header() }

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *checkWriter) Unwrap() http.ResponseWriter { return c.w }

func (c *checkWriter) WriteHeader(code int) {
	if c.blocked || c.status != 0 {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		c.w.WriteHeader(code) // informational: no body, goes out now
		return
	}
	c.status = code
}

func (c *checkWriter) Write(p []byte) (int, error) {
	if c.blocked {
		return 0, ErrBlocked
	}
	if c.pass {
		return c.w.Write(p)
	}
	if !c.sent && len(c.buf) == 0 && !textual(c.w.Header().Get("Content-Type")) {
		// Binary bodies (DER, images) hold random bytes that can look
		// like anything; the leaks this check is for are text.
		c.pass = true
		if c.status == 0 {
			c.status = http.StatusOK
		}
		c.sent = true
		c.w.WriteHeader(c.status)
		return c.w.Write(p)
	}
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if kind := c.sc.Write(p); kind != "" {
		c.stop(kind)
		return 0, ErrBlocked
	}
	c.buf = append(c.buf, p...)
	if !c.sent && len(c.buf) <= BufferLimit {
		return len(p), nil
	}
	if err := c.send(len(c.buf) - holdBack); err != nil {
		return 0, err
	}
	return len(p), nil
}

// send sends the headers if needed and the first n bytes of buf.
func (c *checkWriter) send(n int) error {
	if !c.sent {
		c.sent = true
		if c.status == 0 {
			c.status = http.StatusOK
		}
		c.w.WriteHeader(c.status)
	}
	if n <= 0 {
		return nil
	}
	_, err := c.w.Write(c.buf[:n])
	c.buf = append(c.buf[:0], c.buf[n:]...)
	return err
}

// Flush sends everything scanned so far: a streaming handler asked for it.
func (c *checkWriter) Flush() {
	if c.blocked {
		return
	}
	if c.pass {
		if f, ok := c.w.(http.Flusher); ok {
			f.Flush()
		}
		return
	}
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.send(len(c.buf)) != nil {
		return
	}
	if f, ok := c.w.(http.Flusher); ok {
		f.Flush()
	}
}

// finish runs after the handler: the last bytes may complete a card.
func (c *checkWriter) finish() {
	if c.blocked || c.pass {
		return
	}
	if kind := c.sc.Close(); kind != "" {
		c.stop(kind)
		return
	}
	if c.sent || c.status != 0 {
		_ = c.send(len(c.buf))
	}
}

// stop answers 500 if nothing went out yet, or aborts the connection.
func (c *checkWriter) stop(kind string) {
	c.blocked = true
	c.buf = nil
	id := c.cfg.RequestID(c.r)
	ev := Event{Kind: kind, Path: c.r.URL.Path, RequestID: id, Aborted: c.sent}
	if c.cfg.OnMatch != nil {
		c.cfg.OnMatch(ev)
	}
	if c.sent {
		panic(http.ErrAbortHandler)
	}
	h := c.w.Header()
	for k := range h {
		delete(h, k)
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	c.w.WriteHeader(http.StatusInternalServerError)
	if c.r.Method == http.MethodHead {
		return
	}
	_, _ = io.WriteString(c.w, strings.Replace(errorPage, "{{ID}}", html.EscapeString(id), 1))
}

const errorPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Something went wrong</title></head>
<body><h1>Something went wrong</h1>
<p>The store could not complete this page. If this keeps happening, contact
support and quote this reference:</p>
<p><code>{{ID}}</code></p>
</body></html>
`

// textual reports whether a body of this Content-Type is scanned: text,
// JSON, XML and scripts, and bodies whose type is not set yet (net/http
// would sniff them, usually as text).
func textual(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if ct == "" || strings.HasPrefix(ct, "text/") {
		return true
	}
	for _, t := range []string{"json", "xml", "javascript", "ecmascript", "x-www-form-urlencoded"} {
		if strings.Contains(ct, t) {
			return true
		}
	}
	return false
}
