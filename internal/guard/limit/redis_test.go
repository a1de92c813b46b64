package limit

import (
	"bytes"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTwoNodesShareRedis runs two Limiters, as two nodes would, over one
// Redis: they share buckets and blocks.
func TestTwoNodesShareRedis(t *testing.T) {
	prefix := testPrefix(t)
	cfg := Config{ClassSignin: {PerSecond: 0.01, Burst: 5}}
	c := newClock()
	node := func() *Limiter {
		return New(Options{Config: cfg, Redis: redisClient(t, redisAddr), Prefix: prefix, Now: c.Now, BlockSync: -1})
	}
	a, b := node(), node()
	key := IPKey(netip.MustParseAddr("192.0.2.10"))
	for i, l := range []*Limiter{a, b, a, b, a} {
		if ok, _, err := l.Allow(ctx, ClassSignin, key); !ok || err != nil {
			t.Fatalf("request %d: allowed %v err %v", i+1, ok, err)
		}
	}
	for name, l := range map[string]*Limiter{"a": a, "b": b} {
		ok, retry, err := l.Allow(ctx, ClassSignin, key)
		if ok || err != nil {
			t.Fatalf("node %s after the shared burst: allowed %v err %v", name, ok, err)
		}
		if retry < 99*time.Second || retry > 100*time.Second {
			t.Errorf("node %s retry %v, want about 100s", name, retry)
		}
	}
	if ok, _, _ := b.Allow(ctx, ClassSignin, AccountKey("someone")); !ok {
		t.Fatal("an unrelated key was limited")
	}

	// Blocks made on one node hold on the other.
	p := netip.MustParsePrefix("2001:db8:77::/48")
	inside := netip.MustParseAddr("2001:db8:77:1::1")
	if err := a.Block(ctx, p, c.Now().Add(time.Hour), "credential stuffing"); err != nil {
		t.Fatal(err)
	}
	ok, until, reason := b.Blocked(ctx, inside)
	if !ok || reason != "credential stuffing" || !until.Equal(c.Now().Add(time.Hour)) {
		t.Fatalf("node b: Blocked = %v %v %q", ok, until, reason)
	}
	list, err := b.List(ctx)
	if err != nil || len(list) != 1 || list[0].Prefix != p {
		t.Fatalf("node b: List = %+v, %v", list, err)
	}
	if err := b.Unblock(ctx, p); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := a.Blocked(ctx, inside); ok {
		t.Fatal("node a: still blocked after node b lifted it")
	}
	// Expiry is shared too.
	a.Block(ctx, p, c.Now().Add(time.Minute), "short")
	c.Advance(time.Minute)
	if ok, _, _ := b.Blocked(ctx, inside); ok {
		t.Fatal("expired block still in force")
	}
	if list, _ := a.List(ctx); len(list) != 0 {
		t.Fatalf("expired block listed: %+v", list)
	}
}

// TestRedisEscalatingBlocksShared checks that offences counted on
// either node escalate the same block: 1x, 2x, 4x.
func TestRedisEscalatingBlocksShared(t *testing.T) {
	prefix := testPrefix(t)
	c := newClock()
	a := New(Options{Redis: redisClient(t, redisAddr), Prefix: prefix, Now: c.Now, BlockSync: -1})
	b := New(Options{Redis: redisClient(t, redisAddr), Prefix: prefix, Now: c.Now, BlockSync: -1})
	p := netip.MustParsePrefix("198.51.100.0/24")
	base := time.Hour
	for i, l := range []*Limiter{a, b, a} {
		want := base << i
		until, err := l.BlockEscalating(ctx, p, base)
		if err != nil {
			t.Fatal(err)
		}
		if got := until.Sub(c.Now()); got != want {
			t.Fatalf("offence %d: %v, want %v", i+1, got, want)
		}
		other := b
		if l == b {
			other = a
		}
		if ok, u, _ := other.Blocked(ctx, netip.MustParseAddr("198.51.100.200")); !ok || !u.Equal(until) {
			t.Fatalf("offence %d: other node sees %v %v", i+1, ok, u)
		}
		c.Advance(want + time.Hour)
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRedisDownFailsOpen stops Redis under a Limiter: decisions go on,
// from this node's buckets, and the outage is logged once.
func TestRedisDownFailsOpen(t *testing.T) {
	srv, err := startRedis()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	var logs syncBuffer
	c := newClock()
	l := New(Options{Config: Config{ClassPayment: {PerSecond: 0.01, Burst: 3}}, Redis: redisClient(t, srv.addr),
		Prefix: testPrefix(t), Now: c.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	key := AccountKey("payer")
	// Two tokens spent in Redis before it dies.
	for i := 0; i < 2; i++ {
		if ok, _, err := l.Allow(ctx, ClassPayment, key); !ok || err != nil {
			t.Fatalf("with Redis: %v %v", ok, err)
		}
	}
	srv.stop()
	// Now the local bucket decides: a full burst of 3, then refusals,
	// never an error.
	for i := 0; i < 3; i++ {
		ok, _, err := l.Allow(ctx, ClassPayment, key)
		if err != nil || !ok {
			t.Fatalf("Redis down, request %d: allowed %v err %v, want fail open", i+1, ok, err)
		}
		c.Advance(2 * time.Second) // past RedisRetry: Redis is tried again, and fails again
	}
	if ok, _, err := l.Allow(ctx, ClassPayment, key); ok || err != nil {
		t.Fatalf("Redis down, over the local burst: allowed %v err %v", ok, err)
	}
	// Blocks still work on this node, with an error saying they are not shared.
	p := netip.MustParsePrefix("192.0.2.0/28")
	if err := l.Block(ctx, p, c.Now().Add(time.Hour), "local"); err == nil {
		t.Error("Block with Redis down: no error")
	}
	if ok, _, _ := l.Blocked(ctx, netip.MustParseAddr("192.0.2.3")); !ok {
		t.Error("Block with Redis down did not apply on this node")
	}
	if n := strings.Count(logs.String(), "Redis unavailable"); n != 1 {
		t.Errorf("outage logged %d times, want once:\n%s", n, logs.String())
	}
}

// TestRedisHangingFailsOpenQuickly points a Limiter at a server that
// accepts and never answers: each decision still comes within the
// Redis timeout, from the local bucket.
func TestRedisHangingFailsOpenQuickly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	l := New(Options{Redis: redisClient(t, ln.Addr().String()), RedisTimeout: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	start := time.Now()
	for i := 0; i < 20; i++ {
		if ok, _, err := l.Allow(ctx, ClassPage, "k"); !ok || err != nil {
			t.Fatalf("hanging Redis: allowed %v err %v", ok, err)
		}
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Fatalf("20 decisions took %v with Redis hanging", d)
	}
}
