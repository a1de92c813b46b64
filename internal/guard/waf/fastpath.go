package waf

// The fast path: a memo of whole-request "pass" verdicts.
//
// Why it never changes a verdict. With the engine in block mode, the
// verdict of phases 1 and 2 is a function of what inspectRequest feeds the
// transaction and nothing else:
//   - the inputs are the client and server addresses, the request URI,
//     method and protocol, every header name and value, Host,
//     Transfer-Encoding and the body bytes. The memo key is a SHA-256 over
//     an unambiguous (length-prefixed) serialization of exactly these, with
//     headers sorted by name (the collection Coraza builds is a map: the
//     order across names does not reach the rules) and each name's values
//     in order;
//   - the rules are compiled once and never change for a WAF;
//   - Coraza v3 keeps no state between transactions: initcol (REQUEST-901)
//     creates empty collections, there is no persistent storage. The CRS
//     reads no clock (TIME*) and the one rule on UNIQUE_ID (901450,
//     sampling) only runs when tx.sampling_percentage is below 100, which
//     Citadel never sets. The client port (REMOTE_PORT) is read by no CRS
//     rule, so it is left out of the key unless exclusions or custom rules
//     mention it; custom rules that mention TIME, UNIQUE_ID or DURATION
//     turn the memo off.
//
// Only passes are remembered, so every block runs the rules again and
// raises its event each time; in block mode a request that passes is not
// condemned, so it raises no event either way. Requests with a body of
// unknown length or larger than maxMemoBody are never memoized (they go the
// full path, with their body untouched). The memo is off in detect mode
// (which reports every condemned request) and with response inspection
// (the response phases need the transaction).

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

const (
	// maxMemoBody is the largest body whose request is memoized.
	maxMemoBody = 8 << 10
	// memoEntries bounds the memo (32 bytes of key each, plus map overhead:
	// well under 2 MB).
	memoEntries = 10_000
	memoShards  = 16
)

type memoKey [sha256.Size]byte

// memo is a bounded set of keys of requests that passed. Each shard keeps
// two generations: when the young one is full, the old one is dropped and
// the young one becomes old; a hit in the old generation moves the key to
// the young one. That approximates LRU at the cost of two map lookups.
type memo struct {
	shards        [memoShards]memoShard
	perGen        int
	withPort      bool
	hits, lookups atomic.Uint64
}

type memoShard struct {
	mu         sync.Mutex
	young, old map[memoKey]struct{}
}

func newMemo(cfg Config) *memo {
	if cfg.Mode != ModeBlock || cfg.InspectResponses || cfg.NoFastPath {
		return nil
	}
	rules := strings.ToUpper(cfg.CustomRules + "\n" + cfg.Exclusions)
	for _, v := range []string{"TIME", "UNIQUE_ID", "DURATION"} {
		if strings.Contains(rules, v) {
			return nil
		}
	}
	m := &memo{
		perGen:   memoEntries / memoShards / 2,
		withPort: strings.Contains(rules, "REMOTE_PORT"),
	}
	for i := range m.shards {
		m.shards[i].young = make(map[memoKey]struct{}, m.perGen)
	}
	return m
}

func (m *memo) shard(k memoKey) *memoShard { return &m.shards[k[0]%memoShards] }

func (m *memo) has(k memoKey) bool {
	m.lookups.Add(1)
	s := m.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.young[k]; ok {
		m.hits.Add(1)
		return true
	}
	if _, ok := s.old[k]; ok {
		delete(s.old, k)
		s.addLocked(k, m.perGen)
		m.hits.Add(1)
		return true
	}
	return false
}

// peek reports whether k is remembered, without counting a lookup.
func (m *memo) peek(k memoKey) bool {
	s := m.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, young := s.young[k]
	_, old := s.old[k]
	return young || old
}

func (m *memo) add(k memoKey) {
	s := m.shard(k)
	s.mu.Lock()
	s.addLocked(k, m.perGen)
	s.mu.Unlock()
}

func (s *memoShard) addLocked(k memoKey, perGen int) {
	if len(s.young) >= perGen {
		s.old, s.young = s.young, make(map[memoKey]struct{}, perGen)
	}
	s.young[k] = struct{}{}
}

func (m *memo) len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.young) + len(s.old)
		s.mu.Unlock()
	}
	return n
}

// FastPathStats reports how many requests were looked up in the memo and
// how many of them were answered from it.
func (w *WAF) FastPathStats() (hits, lookups uint64) {
	if w.memo == nil {
		return 0, 0
	}
	return w.memo.hits.Load(), w.memo.lookups.Load()
}

var keyBufs = sync.Pool{New: func() any { return &keyBuf{} }}

// keyBuf accumulates the serialization; pooled so that a hit allocates
// nothing for it.
type keyBuf struct {
	b     []byte
	names []string
}

func (k *keyBuf) uvarint(n int) { k.b = binary.AppendUvarint(k.b, uint64(n)) }

func (k *keyBuf) field(s string) {
	k.uvarint(len(s))
	k.b = append(k.b, s...)
}

// keyOf serializes everything inspectRequest feeds the transaction, each
// field prefixed by its length, and hashes it. body is the whole body
// (nil for none).
func (m *memo) keyOf(r *http.Request, body []byte) memoKey {
	k := keyBufs.Get().(*keyBuf)
	defer keyBufs.Put(k)
	k.b = k.b[:0]
	k.field("citadel-waf-memo-v1")
	client, cport := splitHostPort(r.RemoteAddr)
	k.field(client)
	if m.withPort {
		k.uvarint(cport)
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		k.field(a.String())
	} else {
		k.field("")
	}
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	k.field(uri)
	k.field(r.Method)
	k.field(r.Proto)
	k.field(r.Host)
	k.uvarint(len(r.TransferEncoding))
	for _, te := range r.TransferEncoding {
		k.field(te)
	}
	k.names = k.names[:0]
	for name := range r.Header {
		k.names = append(k.names, name)
	}
	slices.Sort(k.names)
	k.uvarint(len(k.names))
	for _, name := range k.names {
		vs := r.Header[name]
		k.field(name)
		k.uvarint(len(vs))
		for _, v := range vs {
			k.field(v)
		}
	}
	k.uvarint(len(body))
	k.b = append(k.b, body...)
	if cap(k.b) > 64<<10 {
		defer func() { k.b = nil }()
	}
	return sha256.Sum256(k.b)
}

// memoBody reads a body of known, small length (and no Expect header)
// into memory so that it can be part of the key, and puts an equivalent reader back on r. ok is false
// when the request must go the full path unmemoized; r.Body then still
// yields exactly the bytes (and the error, if any) the original would.
func memoBody(r *http.Request) (body []byte, ok bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	if r.ContentLength < 0 || r.ContentLength > maxMemoBody {
		return nil, false
	}
	// Reading the body would answer "100 Continue" before the rules had
	// a chance to refuse the headers: leave such requests to the full path.
	if _, ok := r.Header["Expect"]; ok {
		return nil, false
	}
	orig := r.Body
	b, err := readSmall(orig, int(r.ContentLength))
	if err != nil {
		r.Body = readCloser{io.MultiReader(bytes.NewReader(b), errReader{err}), orig}
		return nil, false
	}
	if len(b) > maxMemoBody {
		r.Body = readCloser{io.MultiReader(bytes.NewReader(b), orig), orig}
		return nil, false
	}
	r.Body = readCloser{bytes.NewReader(b), orig}
	return b, true
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// readSmall reads r to EOF, expecting about n bytes, and stops after
// maxMemoBody+1. err is nil at EOF.
func readSmall(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, 0, min(n, maxMemoBody)+1)
	for len(b) <= maxMemoBody {
		if len(b) == cap(b) {
			b = slices.Grow(b, 512)
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}
