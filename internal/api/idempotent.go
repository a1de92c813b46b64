package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/idempotency"
)

// idempotent runs h at most once per (account, key): a retry with the same
// request gets the first response again, marked Idempotent-Replayed.
func (a *API) idempotent(w http.ResponseWriter, r *http.Request, c *Call, key string, h func(http.ResponseWriter, *http.Request, *Call)) {
	if !idempotency.ValidKey(key) {
		httpx.WriteError(w, http.StatusBadRequest, "bad_idempotency_key", idempotency.ErrBadKey.Error())
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		httpx.WriteError(w, http.StatusRequestEntityTooLarge, "too_large", "the request body is too large")
		return
	}
	hash := idempotency.RequestHash(r.Method, r.URL.Path, body)
	resp, replayed, err := a.idem.Do(r.Context(), c.P.Account.ID, key, hash, func() idempotency.Response {
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &bufferWriter{header: http.Header{}}
		h(rec, r, c)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		return idempotency.Response{Status: rec.status, Body: rec.buf.Bytes()}
	})
	switch {
	case errors.Is(err, idempotency.ErrKeyReused):
		httpx.WriteError(w, http.StatusConflict, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
		return
	case errors.Is(err, idempotency.ErrInProgress):
		w.Header().Set("Retry-After", "1")
		httpx.WriteError(w, http.StatusConflict, "idempotency_in_progress", "a request with this Idempotency-Key is still in progress")
		return
	case err != nil && resp.Status == 0:
		a.internal(w, r, err)
		return
	case err != nil:
		// The call ran but its response could not be kept: answer it
		// anyway (a retry would run again, which the domain's own
		// checks make safe: the cart is empty after a checkout).
		a.log.Error("idempotency: keeping response", "err", err, "request_id", httpx.RequestIDFrom(r.Context()))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}

// bufferWriter captures a handler's response.
type bufferWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(s int) {
	if b.status == 0 {
		b.status = s
	}
}
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}
