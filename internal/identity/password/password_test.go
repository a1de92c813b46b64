package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests use cheap parameters; the production cost is benchmarked.
var testParams = Params{Memory: 8 * 1024, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(testParams, 64<<20, time.Second)
	enc, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=8192,t=1,p=1$") {
		t.Fatalf("hash %q does not record its parameters", enc)
	}
	if ok, _, err := h.Verify(ctx, "correct horse battery staple", enc); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _, _ := h.Verify(ctx, "correct horse battery stapl", enc); ok {
		t.Fatal("wrong password accepted")
	}
	// Composed and decomposed é are the same password.
	enc2, _ := h.Hash(ctx, "caf\u00e9 au lait, please")
	if ok, _, _ := h.Verify(ctx, "cafe\u0301 au lait, please", enc2); !ok {
		t.Fatal("NFKC normalization missing")
	}
}

func TestRehashWhenParamsGrow(t *testing.T) {
	ctx := context.Background()
	old := NewHasher(testParams, 64<<20, time.Second)
	enc, _ := old.Hash(ctx, "a long enough passphrase")
	stronger := NewHasher(Params{Memory: 9 * 1024, Time: 2, Threads: 1}, 64<<20, time.Second)
	ok, rehash, err := stronger.Verify(ctx, "a long enough passphrase", enc)
	if !ok || !rehash || err != nil {
		t.Fatalf("Verify = %v, rehash %v, %v; want a rehash request", ok, rehash, err)
	}
	_, rehash, _ = stronger.Verify(ctx, "wrong", enc)
	if rehash {
		t.Fatal("rehash requested after a failed verification")
	}
}

func TestMalformedHashes(t *testing.T) {
	h := NewHasher(testParams, 64<<20, time.Second)
	for _, tc := range []struct{ name, enc string }{
		{"fail/empty", ""},
		{"fail/bcrypt", "$2a$10$abcdefghijklmnopqrstuv"},
		{"fail/huge-memory", "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$ZHVtbXlkdW1teWR1bW15ZHVtbXk"},
		{"fail/huge-time", "$argon2id$v=19$m=19456,t=1000,p=1$c2FsdHNhbHRzYWx0c2FsdA$ZHVtbXlkdW1teWR1bW15ZHVtbXk"},
		{"fail/bad-salt", "$argon2id$v=19$m=19456,t=2,p=1$!!!$ZHVtbXlkdW1teWR1bW15ZHVtbXk"},
		{"fail/short-key", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$YQ"},
		{"fail/version", "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$ZHVtbXlkdW1teWR1bW15ZHVtbXk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := h.Verify(context.Background(), "x", tc.enc); !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("Verify = %v, want ErrMalformedHash", err)
			}
		})
	}
}

// The pool never runs more hashes than its slots; callers beyond that
// wait, then get ErrBusy.
func TestPoolBoundsConcurrency(t *testing.T) {
	h := NewHasher(testParams, 2*8*1024*1024, 20*time.Millisecond)
	if h.Slots() != 2 {
		t.Fatalf("slots = %d, want 2", h.Slots())
	}
	// Hold both slots, then a third caller must give up with ErrBusy.
	h.acquire(context.Background())
	h.acquire(context.Background())
	if _, err := h.Hash(context.Background(), "whatever passphrase"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with a full pool = %v, want ErrBusy", err)
	}
	h.release()
	h.release()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h2 := NewHasher(testParams, 2*8*1024*1024, 10*time.Second)
			if _, err := h2.Hash(context.Background(), "whatever passphrase"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestPolicy(t *testing.T) {
	p, err := LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if p.CommonCount() < 50000 {
		t.Fatalf("common list has %d entries, want at least 50,000", p.CommonCount())
	}
	for _, tc := range []struct {
		name, pw, email string
		want            error
	}{
		{"ok/passphrase", "violet otter ladder 42", "alice@example.com", nil},
		{"ok/unicode-12-runes", "ñandú ñandú ñ", "a@example.com", nil},
		{"fail/too-short", "short pass", "a@example.com", ErrTooShort},
		{"fail/too-long", strings.Repeat("x", 129), "a@example.com", ErrTooLong},
		{"fail/common", "password1234", "a@example.com", ErrCommon},
		{"fail/common-any-case", "PASSWORD1234", "a@example.com", ErrCommon},
		{"fail/contains-email-local", "my name is Alice.Smith!", "alice.smith@example.com", ErrHasEmail},
		{"fail/invalid-utf8", "abcdefghijk\xff", "a@example.com", ErrNotUTF8},
		{"fail/control-char", "abcdefghijk\x00l", "a@example.com", ErrControlCh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := p.Check(tc.pw, tc.email); !errors.Is(err, tc.want) {
				t.Fatalf("Check(%q) = %v, want %v", tc.pw, err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$ZHVtbXlkdW1teWR1bW15ZHVtbXk")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, _, _, err := parse(s)
		if err == nil && (p.Memory > 256*1024 || p.Time > 10) {
			t.Fatalf("accepted a hash costing m=%d t=%d", p.Memory, p.Time)
		}
	})
}

func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(Default, 512<<20, time.Minute)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		h.Hash(ctx, "violet otter ladder 42")
	}
}
