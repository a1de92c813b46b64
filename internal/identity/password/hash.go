// Package password hashes and checks passwords: argon2id with parameters
// stored in each hash (and upgraded at the next sign-in), run in a bounded
// pool so a flood of sign-ins cannot exhaust memory, and a policy of
// length and a list of common and breached passwords, without composition
// rules.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default meets OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// ErrBusy means every hashing slot stayed taken for the whole wait: the
// caller answers 429 with Retry-After, and nothing was checked.
var ErrBusy = errors.New("password hashing is saturated; retry later")

// ErrMalformedHash means a stored hash does not parse.
var ErrMalformedHash = errors.New("malformed password hash")

// Hasher runs argon2id with at most a fixed number of hashes at once.
// Each costs Params.Memory, so slots x memory bounds the memory that
// sign-ins can take.
type Hasher struct {
	params Params
	slots  chan struct{}
	wait   time.Duration
	// verified counts verifications, real and dummy: tests use it to show
	// that unknown and known accounts cost the same work.
	verified atomic.Uint64
}

// Verifications reports how many verifications (real or dummy) ran.
func (h *Hasher) Verifications() uint64 { return h.verified.Load() }

// NewHasher sizes the pool to memoryBudget bytes (at least one slot) and
// to the cores: argon2id with one lane is CPU-bound, so more than two
// hashes per core in flight add memory and no throughput. A caller waits
// up to wait for a slot.
func NewHasher(p Params, memoryBudget int64, wait time.Duration) *Hasher {
	n := max(1, min(int(memoryBudget/(int64(p.Memory)*1024)), 2*runtime.GOMAXPROCS(0)))
	return &Hasher{params: p, slots: make(chan struct{}, n), wait: wait}
}

// Slots reports how many hashes may run at once.
func (h *Hasher) Slots() int { return cap(h.slots) }

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// normalize applies NFKC so the same password typed on two keyboards
// (composed or decomposed accents) hashes the same.
func normalize(pw string) []byte { return []byte(norm.NFKC.String(pw)) }

// Hash returns a PHC-format argon2id hash of pw with a random salt.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	salt := make([]byte, saltLen)
	rand.Read(salt)
	p := h.params
	key := argon2.IDKey(normalize(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// Verify checks pw against an encoded hash in constant time. rehash is
// true when the hash's parameters are weaker than the hasher's, so the
// caller stores a fresh hash after this successful sign-in.
func (h *Hasher) Verify(ctx context.Context, pw, encoded string) (ok, rehash bool, err error) {
	p, salt, want, err := parse(encoded)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	h.verified.Add(1)
	got := argon2.IDKey(normalize(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	rehash = p.Memory < h.params.Memory || p.Time < h.params.Time || p.Threads < h.params.Threads
	return ok, ok && rehash, nil
}

// VerifyDummy spends the time of a real verification, at the hasher's
// current parameters, and returns nothing useful: it runs when an account
// does not exist, so that unknown and known emails take the same time.
func (h *Hasher) VerifyDummy(ctx context.Context, pw string) error {
	p := h.params
	dummy := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$c2FsdHNhbHRzYWx0c2FsdA$ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15MDA",
		argon2.Version, p.Memory, p.Time, p.Threads)
	_, _, err := h.Verify(ctx, pw, dummy)
	return err
}

func parse(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, ErrMalformedHash
	}
	var threads uint32
	if n, e := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); n != 3 || e != nil {
		return p, nil, nil, ErrMalformedHash
	}
	// Bound what a stored hash can make us spend: a tampered row must not
	// turn one sign-in into a gigabyte of memory.
	if p.Memory < 8*1024 || p.Memory > 256*1024 || p.Time < 1 || p.Time > 10 || threads < 1 || threads > 16 {
		return p, nil, nil, ErrMalformedHash
	}
	p.Threads = uint8(threads)
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, ErrMalformedHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}
