package respcheck

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Binary bodies (DER, images) are not scanned: their random bytes can
// look like a card number, and the leaks this check is for are text.
func TestBinaryBodiesPass(t *testing.T) {
	card := []byte("4111 1111 1111 1111")
	for _, tc := range []struct {
		ct   string
		want int
	}{
		{"application/ocsp-response", 200},
		{"image/png", 200},
		{"application/pkix-crl", 200},
		{"text/html; charset=utf-8", 500},
		{"application/json", 500},
		{"", 500},
	} {
		h := Middleware(Config{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.ct != "" {
				w.Header().Set("Content-Type", tc.ct)
			}
			w.Write(card)
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != tc.want {
			t.Errorf("%q: status %d, want %d", tc.ct, rec.Code, tc.want)
		}
	}
}
