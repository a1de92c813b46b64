package waf

import (
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/corazawaf/coraza/v3/types"
)

// Middleware runs every request through the rules before next sees it.
// The body is read through r.Body, so a limit set earlier with
// http.MaxBytesReader applies (413 when it is passed); next reads the same
// bytes afterwards.
func (w *WAF) Middleware(next http.Handler) http.Handler {
	if w.cfg.Mode == ModeOff {
		return next
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var key memoKey
		memoize := false
		if w.memo != nil {
			if body, ok := memoBody(r); ok {
				key, memoize = w.memo.keyOf(r, body), true
				if w.memo.has(key) {
					next.ServeHTTP(rw, r)
					return
				}
			}
		}
		tx := w.newT(r)
		defer w.finish(r, tx)
		it, err := w.inspectRequest(tx, r)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(rw, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(rw, "bad request", http.StatusBadRequest)
			return
		}
		if it != nil {
			w.deny(rw, r, it)
			return
		}
		if memoize && tx.Interruption() == nil {
			w.memo.add(key)
		}
		if w.cfg.InspectResponses && tx.IsResponseBodyAccessible() {
			w.serveInspected(rw, r, tx, next)
			return
		}
		next.ServeHTTP(rw, r)
	})
}

// finish runs the logging phase, reports a condemned request and frees
// the transaction.
func (w *WAF) finish(r *http.Request, tx types.Transaction) {
	tx.ProcessLogging()
	if w.cfg.OnBlock != nil {
		if ev, ok := w.event(r, tx); ok {
			w.cfg.OnBlock(ev)
		}
	}
	if w.observe != nil {
		w.observe(r, tx)
	}
	_ = tx.Close()
}

// inspectRequest feeds the request line, headers and body to tx and runs
// phases 1 and 2. It stops at the first interruption.
func (w *WAF) inspectRequest(tx types.Transaction, r *http.Request) (*types.Interruption, error) {
	client, cport := splitHostPort(r.RemoteAddr)
	server, sport := "", 0
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		server, sport = splitHostPort(a.String())
	}
	tx.ProcessConnection(client, cport, server, sport)
	uri := r.RequestURI // as sent on the wire, like Apache's REQUEST_URI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	tx.ProcessURI(uri, r.Method, r.Proto)
	for k, vs := range r.Header {
		for _, v := range vs {
			tx.AddRequestHeader(k, v)
		}
	}
	// net/http moves Host and Transfer-Encoding out of Header; the CRS
	// checks both (920280, 920171, smuggling).
	if r.Host != "" {
		tx.AddRequestHeader("Host", r.Host)
		tx.SetServerName(hostOnly(r.Host))
	}
	for _, te := range r.TransferEncoding {
		tx.AddRequestHeader("Transfer-Encoding", te)
	}
	if it := tx.ProcessRequestHeaders(); it != nil {
		return it, nil
	}
	if tx.IsRequestBodyAccessible() && r.Body != nil && r.Body != http.NoBody {
		it, _, err := tx.ReadRequestBodyFrom(r.Body)
		if err != nil {
			return nil, err
		}
		if it != nil {
			return it, nil
		}
		buffered, err := tx.RequestBodyReader()
		if err != nil {
			return nil, err
		}
		// Whatever Coraza did not buffer (past its limit, with
		// ProcessPartial) still follows from the original body.
		r.Body = readCloser{io.MultiReader(buffered, r.Body), r.Body}
	}
	return tx.ProcessRequestBody()
}

type readCloser struct {
	io.Reader
	io.Closer
}

// deny writes the block page: the request ID and nothing about the rules.
func (w *WAF) deny(rw http.ResponseWriter, r *http.Request, it *types.Interruption) {
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	status := denyStatus(it)
	rw.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = io.WriteString(rw, strings.Replace(blockPage, "{{ID}}", html.EscapeString(w.cfg.RequestID(r)), 1))
}

// denyStatus is 403, or the 400 or 413 a deny rule asked for (an
// unparsable body, a body past the inspection limit).
func denyStatus(it *types.Interruption) int {
	if it.Action == "deny" && (it.Status == http.StatusBadRequest || it.Status == http.StatusRequestEntityTooLarge) {
		return it.Status
	}
	return http.StatusForbidden
}

const blockPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Request refused</title></head>
<body><h1>Request refused</h1>
<p>This request was refused by the store's security checks.
If you think this is a mistake, contact support and quote this reference:</p>
<p><code>{{ID}}</code></p>
</body></html>
`

func splitHostPort(addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	p, _ := strconv.Atoi(port)
	return host, p
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
