// Package keyringtest gives tests a local stand-in for the transit
// secrets engine of HashiCorp Vault and OpenBao: the endpoints and JSON
// that keyring's transit master uses (encrypt, decrypt, key creation and
// rotation), with versioned keys and context-derived keys, on loopback.
// It is a stand-in, not Vault's cryptography: ciphertexts have Vault's
// "vault:vN:" form but not its exact bytes.
package keyringtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Transit is a running stand-in. Keys are derived (derived=true): every
// request must carry a context, and the context is bound in.
type Transit struct {
	URL   string // http://127.0.0.1:port
	Token string // the one token it accepts

	mu   sync.Mutex
	keys map[string][][]byte // name -> versions (index 0 is v1)
}

// NewTransit starts a stand-in on loopback, mounted at /v1/transit/,
// accepting token; it stops when the test ends. A key is created on its
// first encrypt, as Vault does when the policy allows.
func NewTransit(t testing.TB, token string) *Transit {
	t.Helper()
	tr := &Transit{Token: token, keys: map[string][][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/transit/encrypt/{name}", tr.encrypt)
	mux.HandleFunc("POST /v1/transit/decrypt/{name}", tr.decrypt)
	mux.HandleFunc("POST /v1/transit/keys/{name}", tr.create)
	mux.HandleFunc("POST /v1/transit/keys/{name}/rotate", tr.rotate)
	srv := httptest.NewServer(tr.auth(mux))
	t.Cleanup(srv.Close)
	tr.URL = srv.URL
	return tr
}

// Rotate adds a version to a key, as POST /v1/transit/keys/{name}/rotate.
func (tr *Transit) Rotate(name string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.keys[name] = append(tr.keys[name], newKey())
}

// Versions reports how many versions a key has.
func (tr *Transit) Versions(name string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.keys[name])
}

func newKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func (tr *Transit) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Vault-Token")), []byte(tr.Token)) != 1 {
			fail(w, http.StatusForbidden, "permission denied")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string][]string{"errors": {msg}})
}

func ok(w http.ResponseWriter, data map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": data})
}

func (tr *Transit) create(w http.ResponseWriter, r *http.Request) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.keys[r.PathValue("name")]) == 0 {
		tr.keys[r.PathValue("name")] = [][]byte{newKey()}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (tr *Transit) rotate(w http.ResponseWriter, r *http.Request) {
	tr.mu.Lock()
	n := len(tr.keys[r.PathValue("name")])
	tr.mu.Unlock()
	if n == 0 {
		fail(w, http.StatusBadRequest, "key not found")
		return
	}
	tr.Rotate(r.PathValue("name"))
	w.WriteHeader(http.StatusNoContent)
}

type request struct {
	Plaintext  string `json:"plaintext"`
	Ciphertext string `json:"ciphertext"`
	Context    string `json:"context"`
}

// aead derives the per-context key of one version, as a derived transit
// key does.
func aead(key []byte, context []byte) cipher.AEAD {
	k, err := hkdf.Key(sha256.New, key, nil, string(context), 32)
	if err != nil {
		panic(err)
	}
	b, _ := aes.NewCipher(k)
	a, _ := cipher.NewGCM(b)
	return a
}

func parse(w http.ResponseWriter, r *http.Request) (request, []byte, bool) {
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "failed to parse JSON input")
		return req, nil, false
	}
	ctx, err := base64.StdEncoding.DecodeString(req.Context)
	if err != nil || len(ctx) == 0 {
		fail(w, http.StatusBadRequest, "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key")
		return req, nil, false
	}
	return req, ctx, true
}

func (tr *Transit) encrypt(w http.ResponseWriter, r *http.Request) {
	req, ctx, good := parse(w, r)
	if !good {
		return
	}
	pt, err := base64.StdEncoding.DecodeString(req.Plaintext)
	if err != nil {
		fail(w, http.StatusBadRequest, "failed to base64-decode plaintext")
		return
	}
	name := r.PathValue("name")
	tr.mu.Lock()
	if len(tr.keys[name]) == 0 {
		tr.keys[name] = [][]byte{newKey()}
	}
	v := len(tr.keys[name])
	key := tr.keys[name][v-1]
	tr.mu.Unlock()
	a := aead(key, ctx)
	nonce := make([]byte, a.NonceSize())
	rand.Read(nonce)
	ct := a.Seal(nonce, nonce, pt, nil)
	ok(w, map[string]any{"ciphertext": "vault:v" + strconv.Itoa(v) + ":" + base64.StdEncoding.EncodeToString(ct), "key_version": v})
}

func (tr *Transit) decrypt(w http.ResponseWriter, r *http.Request) {
	req, ctx, good := parse(w, r)
	if !good {
		return
	}
	rest, found := strings.CutPrefix(req.Ciphertext, "vault:v")
	vs, b64, found2 := strings.Cut(rest, ":")
	v, err := strconv.Atoi(vs)
	raw, err2 := base64.StdEncoding.DecodeString(b64)
	if !found || !found2 || err != nil || err2 != nil || v < 1 {
		fail(w, http.StatusBadRequest, "invalid ciphertext: no prefix")
		return
	}
	tr.mu.Lock()
	versions := tr.keys[r.PathValue("name")]
	tr.mu.Unlock()
	if v > len(versions) {
		fail(w, http.StatusBadRequest, "invalid key version")
		return
	}
	a := aead(versions[v-1], ctx)
	if len(raw) < a.NonceSize() {
		fail(w, http.StatusBadRequest, "invalid ciphertext: too short")
		return
	}
	pt, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], nil)
	if err != nil {
		fail(w, http.StatusBadRequest, "cipher: message authentication failed")
		return
	}
	ok(w, map[string]any{"plaintext": base64.StdEncoding.EncodeToString(pt)})
}
