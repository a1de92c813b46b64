package limit

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

var ctx = context.Background()

func memLimiter(c *clock, cfg Config) *Limiter {
	return New(Options{Config: cfg, Now: c.Now, Logger: slog.New(slog.DiscardHandler)})
}

func serve(h http.Handler, ip string, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	r.RemoteAddr = netip.AddrPortFrom(netip.MustParseAddr(ip), 40000).String()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func classify(r *http.Request) Class {
	switch {
	case strings.HasPrefix(r.URL.Path, "/signin"):
		return ClassSignin
	case strings.HasPrefix(r.URL.Path, "/register"):
		return ClassRegister
	}
	return ""
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

func TestBurstThen429WithRetryAfter(t *testing.T) {
	c := newClock()
	l := memLimiter(c, nil)
	h := l.Middleware(classify, nil)(okHandler)
	for i := 0; i < 10; i++ {
		if w := serve(h, "192.0.2.1", "/signin"); w.Code != 200 {
			t.Fatalf("sign-in %d: %d, want 200 within the burst", i+1, w.Code)
		}
	}
	w := serve(h, "192.0.2.1", "/signin")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("11th sign-in: %d, want 429", w.Code)
	}
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	if w.Body.Len() == 0 || w.Body.Len() > 100 {
		t.Errorf("body %q: want a short one", w.Body.String())
	}
	// Other classes and other clients have their own buckets.
	if w := serve(h, "192.0.2.1", "/product/1"); w.Code != 200 {
		t.Errorf("page after sign-in limit: %d", w.Code)
	}
	if w := serve(h, "192.0.2.2", "/signin"); w.Code != 200 {
		t.Errorf("other client: %d", w.Code)
	}
	// Register: 0.2/s, so the wait is 5 s.
	for i := 0; i < 5; i++ {
		serve(h, "192.0.2.3", "/register")
	}
	w = serve(h, "192.0.2.3", "/register")
	if w.Code != 429 || w.Header().Get("Retry-After") != "5" {
		t.Errorf("register over burst: %d Retry-After %q, want 429 and 5", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", time.Second: "1",
		time.Second + 1: "2", 4500 * time.Millisecond: "5", time.Hour: "3600"} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestRefillOverTime(t *testing.T) {
	c := newClock()
	l := memLimiter(c, Config{ClassCheckout: {PerSecond: 1, Burst: 5}})
	key := AccountKey("acct-1")
	take := func() (bool, time.Duration) {
		ok, retry, err := l.Allow(ctx, ClassCheckout, key)
		if err != nil {
			t.Fatal(err)
		}
		return ok, retry
	}
	for i := 0; i < 5; i++ {
		if ok, _ := take(); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, retry := take()
	if ok || retry != time.Second {
		t.Fatalf("over burst: allowed %v retry %v, want refused with 1s", ok, retry)
	}
	c.Advance(999 * time.Millisecond)
	if ok, retry := take(); ok || retry != time.Millisecond {
		t.Fatalf("after 999ms: allowed %v retry %v, want refused with 1ms", ok, retry)
	}
	c.Advance(time.Millisecond)
	if ok, _ := take(); !ok {
		t.Fatal("after 1s: refused, want one token")
	}
	if ok, _ := take(); ok {
		t.Fatal("only one token should have refilled")
	}
	// A long idle period refills to the burst, not beyond.
	c.Advance(time.Hour)
	n := 0
	for {
		if ok, _ := take(); !ok {
			break
		}
		n++
	}
	if n != 5 {
		t.Fatalf("after an hour: %d requests allowed, want the burst of 5", n)
	}
}

func TestIPv6SameSlash64SharesBucket(t *testing.T) {
	c := newClock()
	l := memLimiter(c, Config{ClassSearch: {PerSecond: 1, Burst: 2}})
	a := netip.MustParseAddr("2001:db8:1:2::1")
	b := netip.MustParseAddr("2001:db8:1:2:ffff:ffff:ffff:fffe")
	other := netip.MustParseAddr("2001:db8:1:3::1")
	if IPKey(a) != IPKey(b) {
		t.Fatalf("same /64, different keys: %s %s", IPKey(a), IPKey(b))
	}
	if IPKey(a) == IPKey(other) {
		t.Fatal("different /64s share a key")
	}
	allow := func(ip netip.Addr) bool {
		ok, _, _ := l.Allow(ctx, ClassSearch, IPKey(ip))
		return ok
	}
	if !allow(a) || !allow(b) {
		t.Fatal("burst of 2 refused")
	}
	if allow(a) || allow(b) {
		t.Fatal("third request from the same /64 allowed")
	}
	if !allow(other) {
		t.Fatal("a different /64 was limited")
	}
	// IPv4: each address on its own; IPv4-mapped IPv6 is the same client.
	v4 := netip.MustParseAddr("198.51.100.7")
	if IPKey(v4) == IPKey(netip.MustParseAddr("198.51.100.8")) {
		t.Error("two IPv4 addresses share a key")
	}
	if IPKey(v4) != IPKey(netip.MustParseAddr("::ffff:198.51.100.7")) {
		t.Error("IPv4-mapped address keyed apart from its IPv4 address")
	}
	if IPKey(netip.MustParseAddr("fe80::1%eth0")) != IPKey(netip.MustParseAddr("fe80::2%eth1")) {
		t.Error("zones split a /64")
	}
}

func TestBlockedGets403(t *testing.T) {
	c := newClock()
	l := memLimiter(c, nil)
	h := l.Middleware(nil, nil)(okHandler)
	if err := l.Block(ctx, netip.MustParsePrefix("203.0.113.0/24"), c.Now().Add(time.Hour), "scanner"); err != nil {
		t.Fatal(err)
	}
	if w := serve(h, "203.0.113.9", "/"); w.Code != http.StatusForbidden {
		t.Fatalf("blocked: %d, want 403", w.Code)
	} else if strings.Contains(w.Body.String(), "scanner") {
		t.Error("403 body reveals the reason")
	}
	if w := serve(h, "203.0.114.9", "/"); w.Code != 200 {
		t.Fatalf("outside the block: %d", w.Code)
	}
	if !l.Deny(netip.MustParseAddr("::ffff:203.0.113.1")) {
		t.Error("IPv4-mapped address escapes the block")
	}
	list, _ := l.List(ctx)
	if len(list) != 1 || list[0].Reason != "scanner" {
		t.Fatalf("List: %+v", list)
	}
	c.Advance(time.Hour)
	if w := serve(h, "203.0.113.9", "/"); w.Code != 200 {
		t.Fatalf("after expiry: %d, want 200", w.Code)
	}
	l.Block(ctx, netip.MustParsePrefix("2001:db8:bad::/48"), c.Now().Add(time.Hour), "flood")
	if w := serve(h, "2001:db8:bad:1::5", "/"); w.Code != 403 {
		t.Fatalf("IPv6 in blocked /48: %d", w.Code)
	}
	l.Unblock(ctx, netip.MustParsePrefix("2001:db8:bad::/48"))
	if w := serve(h, "2001:db8:bad:1::5", "/"); w.Code != 200 {
		t.Fatalf("after Unblock: %d", w.Code)
	}
}

func TestEscalatingBlocks(t *testing.T) {
	c := newClock()
	l := memLimiter(c, nil)
	p := netip.MustParsePrefix("192.0.2.0/24")
	testEscalation(t, l, c, p)
}

// testEscalation checks 1x, 2x, 4x, the reset after a quiet day, and
// the cap.
func testEscalation(t *testing.T, l *Limiter, c *clock, p netip.Prefix) {
	t.Helper()
	base := time.Hour
	for i, want := range []time.Duration{base, 2 * base, 4 * base} {
		until, err := l.BlockEscalating(ctx, p, base)
		if err != nil {
			t.Fatal(err)
		}
		if got := until.Sub(c.Now()); got != want {
			t.Fatalf("offence %d: blocked for %v, want %v", i+1, got, want)
		}
		if ok, u, reason := l.Blocked(ctx, p.Addr()); !ok || !u.Equal(until) || !strings.Contains(reason, "offence") {
			t.Fatalf("offence %d: Blocked = %v %v %q", i+1, ok, u, reason)
		}
		c.Advance(want + 2*time.Hour) // block over, re-offends within 24 h
		if ok, _, _ := l.Blocked(ctx, p.Addr()); ok {
			t.Fatalf("offence %d: still blocked after expiry", i+1)
		}
	}
	// A quiet day resets the count.
	c.Advance(25 * time.Hour)
	until, _ := l.BlockEscalating(ctx, p, base)
	if got := until.Sub(c.Now()); got != base {
		t.Fatalf("after a quiet day: %v, want %v", got, base)
	}
	// The period stops at 7 days.
	var last time.Duration
	for i := 0; i < 12; i++ {
		c.Advance(last + time.Minute)
		until, _ = l.BlockEscalating(ctx, p, base)
		last = until.Sub(c.Now())
	}
	if last != MaxBlock {
		t.Fatalf("capped period %v, want %v", last, MaxBlock)
	}
}

func TestEvictionBoundsKeys(t *testing.T) {
	c := newClock()
	const maxKeys = 10_000
	l := New(Options{MaxKeys: maxKeys, Now: c.Now})
	for i := 0; i < 200_000; i++ {
		var a netip.Addr
		if i%2 == 0 {
			a = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		} else {
			a = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 0, 0, 0, 0, 0, 0, 0, 1})
		}
		if ok, _, _ := l.Allow(ctx, ClassPage, IPKey(a)); !ok {
			t.Fatalf("first request from %v refused", a)
		}
	}
	if n := l.local.Len(); n > maxKeys {
		t.Fatalf("%d buckets after 200k distinct clients, cap %d", n, maxKeys)
	}
	// Buckets that refilled are dropped as new ones arrive: each new
	// bucket evicts up to two idle ones.
	c.Advance(time.Minute)
	for i := 0; i < 2000; i++ {
		l.Allow(ctx, ClassPage, AccountKey(strconv.Itoa(i)))
	}
	if n := l.local.Len(); n > maxKeys-1900 {
		t.Fatalf("%d buckets after the flood went idle, want idle ones evicted", n)
	}
}

func TestConfigMissingClassUsesPage(t *testing.T) {
	l := New(Options{Config: Config{ClassPage: {PerSecond: 1, Burst: 1}, ClassAPI: {PerSecond: 0}}})
	if r := l.RateOf(ClassSearch); r.Burst != 1 {
		t.Errorf("missing class rate %+v", r)
	}
	for i := 0; i < 100; i++ {
		if ok, _, _ := l.Allow(ctx, ClassAPI, "k"); !ok {
			t.Fatal("PerSecond 0 should not limit")
		}
	}
	d := DefaultConfig()
	if d[ClassPage] != (Rate{20, 60}) || d[ClassRegister] != (Rate{0.2, 5}) || len(d) != 7 {
		t.Errorf("defaults %+v", d)
	}
}

func FuzzIPKey(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "::1", "::ffff:1.2.3.4", "fe80::1%eth0", "2001:db8::", "0.0.0.0", "", "::"} {
		var b []byte
		if a, err := netip.ParseAddr(s); err == nil {
			b = a.AsSlice()
		}
		f.Add(b, s, uint8(64))
	}
	f.Fuzz(func(t *testing.T, raw []byte, s string, bits uint8) {
		addrs := []netip.Addr{{}}
		if a, ok := netip.AddrFromSlice(raw); ok {
			addrs = append(addrs, a, a.WithZone(s))
		}
		if a, err := netip.ParseAddr(s); err == nil {
			addrs = append(addrs, a)
		}
		l := New(Options{MaxKeys: 64, Logger: slog.New(slog.DiscardHandler)})
		for _, a := range addrs {
			k := IPKey(a)
			if !strings.HasPrefix(k, "ip:") {
				t.Fatalf("IPKey(%v) = %q", a, k)
			}
			if a.Is6() && !a.Is4In6() {
				b := a.As16()
				for i := 8; i < 16; i++ {
					b[i] ^= 0xff
				}
				// (unless that lands on an IPv4-mapped address, an IPv4 client)
				if b2 := netip.AddrFrom16(b); !b2.Is4In6() && IPKey(b2) != k {
					k2 := IPKey(b2)
					t.Fatalf("same /64, keys %q %q", k, k2)
				}
			}
			if a.Is4In6() && IPKey(a.Unmap()) != k {
				t.Fatalf("mapped %v keyed apart", a)
			}
			l.Allow(ctx, ClassPage, k)
			if p, err := a.Prefix(int(bits)); err == nil {
				l.Block(ctx, p, time.Now().Add(time.Hour), "fuzz")
				// An IPv4-mapped prefix shorter than /96 is an IPv6
				// network: IPv4 clients are looked up unmapped.
				if ok, _, _ := l.Blocked(ctx, a); !ok && a.IsValid() && !(a.Is4In6() && bits < 96) {
					t.Fatalf("%v not blocked by %v", a, p)
				}
			}
			l.Blocked(ctx, a)
		}
	})
}
