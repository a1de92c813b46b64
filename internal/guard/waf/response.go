package waf

import (
	"bytes"
	"net/http"

	"github.com/corazawaf/coraza/v3/types"
)

// serveInspected runs next into a buffer, puts the response through the
// CRS response rules (phases 3 and 4), and sends it only if they pass.
// Only used with Config.InspectResponses: it holds whole responses in
// memory and defeats streaming, which is why it is off by default.
func (w *WAF) serveInspected(rw http.ResponseWriter, r *http.Request, tx types.Transaction, next http.Handler) {
	br := &bufferedResponse{header: http.Header{}}
	next.ServeHTTP(br, r)
	if br.status == 0 {
		br.status = http.StatusOK
	}
	// net/http sniffs a missing Content-Type when it sends the body; the
	// rules must see the type the client will get.
	if _, ok := br.header["Content-Type"]; !ok && br.body.Len() > 0 {
		br.header.Set("Content-Type", http.DetectContentType(br.body.Bytes()))
	}
	for k, vs := range br.header {
		for _, v := range vs {
			tx.AddResponseHeader(k, v)
		}
	}
	if it := tx.ProcessResponseHeaders(br.status, r.Proto); it != nil {
		w.deny(rw, r, it)
		return
	}
	if tx.IsResponseBodyProcessable() {
		it, _, err := tx.WriteResponseBody(br.body.Bytes())
		if err == nil && it == nil {
			it, err = tx.ProcessResponseBody()
		}
		if err != nil {
			http.Error(rw, "internal error", http.StatusInternalServerError)
			return
		}
		if it != nil {
			w.deny(rw, r, it)
			return
		}
	}
	h := rw.Header()
	for k, vs := range br.header {
		h[k] = vs
	}
	rw.WriteHeader(br.status)
	_, _ = rw.Write(br.body.Bytes())
}

// bufferedResponse is an http.ResponseWriter that keeps everything.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
