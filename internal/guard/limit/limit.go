// Package limit holds Citadel's rate limits, block list and connection
// limits (issue 8, items 6 and 7).
//
// Rate limits are token buckets evaluated with GCRA (the generic cell
// rate algorithm: one timestamp per bucket, the "theoretical arrival
// time"), one bucket per (route class, key). Keys are client addresses
// (IPv4 by address, IPv6 by /64, see IPKey) or accounts (AccountKey).
//
// Two backends share the Backend interface: an in-memory one, bounded in
// size, for a single node, and a Redis one so that several nodes share
// limits. The Redis backend FAILS OPEN: when Redis cannot answer, the
// decision is taken by this node's in-memory limiter instead (logged
// once per outage), so a Redis blip degrades limits to per-node limits
// rather than refusing the whole site.
//
// The block list (Block, Unblock, Blocked, List, BlockEscalating) is kept
// in memory or in Redis likewise; with Redis each node keeps a copy that
// it refreshes at most every Options.BlockSync, so checking a request
// against the list costs no round trip.
//
// Wiring, outermost first:
//
//	ln = limit.ConnLimit(tcpListener, perIP, total) // under tls.NewListener
//	ln.Deny = lim.Deny                              // blocked networks: reset at accept
//	handler = lim.Middleware(classify, clientIP)(waf(app))
//
// with http.Server's ReadHeaderTimeout, ReadTimeout and IdleTimeout set.
// Handlers that know the account call lim.Allow(ctx, ClassSignin,
// AccountKey(id)) themselves, in addition to the per-address limit.
package limit

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Class is a class of route, each with its own rate.
type Class string

// Route classes.
const (
	ClassPage     Class = "page" // the default
	ClassSignin   Class = "signin"
	ClassRegister Class = "register"
	ClassSearch   Class = "search"
	ClassCheckout Class = "checkout"
	ClassPayment  Class = "payment"
	ClassAPI      Class = "api"
)

// Rate is a token bucket: PerSecond tokens refill each second, up to
// Burst. A PerSecond of zero or less means the class is not limited.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Config maps a route class to its rate. Classes missing from it use
// the rate of ClassPage.
type Config map[Class]Rate

// DefaultConfig returns the default rates.
func DefaultConfig() Config {
	return Config{
		ClassPage:     {PerSecond: 20, Burst: 60},
		ClassSearch:   {PerSecond: 5, Burst: 20},
		ClassSignin:   {PerSecond: 1, Burst: 10},
		ClassRegister: {PerSecond: 0.2, Burst: 5},
		ClassCheckout: {PerSecond: 1, Burst: 5},
		ClassPayment:  {PerSecond: 0.5, Burst: 5},
		ClassAPI:      {PerSecond: 10, Burst: 40},
	}
}

// IPKey returns the rate-limit key of a client address: an IPv4 address
// (or IPv4-mapped IPv6 address) by itself, an IPv6 address by its /64,
// since one subscriber usually holds a whole /64. Zones are ignored.
func IPKey(a netip.Addr) string {
	p, ok := clientPrefix(a)
	if !ok {
		return "ip:invalid"
	}
	return "ip:" + p.String()
}

// clientPrefix is the network a client address is counted under.
func clientPrefix(a netip.Addr) (netip.Prefix, bool) {
	a = a.Unmap().WithZone("")
	switch {
	case a.Is4():
		return netip.PrefixFrom(a, 32), true
	case a.Is6():
		p, err := a.Prefix(64)
		return p, err == nil
	}
	return netip.Prefix{}, false
}

// AccountKey returns the rate-limit key of an account.
func AccountKey(id string) string { return "acct:" + id }

// Backend decides whether one more request fits a bucket.
type Backend interface {
	// Allow takes a token from the bucket of key at rate r. When none is
	// left it returns false and how long until one will be.
	Allow(ctx context.Context, key string, r Rate) (allowed bool, retryAfter time.Duration, err error)
}

var (
	_ Backend = (*Memory)(nil)
	_ Backend = (*redisBackend)(nil)
)

// Options configure a Limiter. The zero value is a single-node limiter
// with the default rates.
type Options struct {
	Config Config
	// Redis, when set, holds buckets and blocks shared by every node.
	Redis redis.UniversalClient
	// Prefix of every Redis key, default "citadel:limit:".
	Prefix string
	// MaxKeys caps the in-memory buckets (default 1,000,000); past it the
	// least recently used are evicted.
	MaxKeys int
	// RedisRetry is how long to decide locally after a Redis error
	// before trying Redis again (default 1 s), so that a dead Redis does
	// not cost every request a timeout.
	RedisRetry time.Duration
	// RedisTimeout bounds each decision's Redis round trip (default
	// 100 ms); past it the decision is taken locally. go-redis only
	// honours it with ContextTimeoutEnabled set in the client's options
	// (New warns otherwise); give the client short dial and read
	// timeouts too, and few dial retries.
	RedisTimeout time.Duration
	// BlockSync is how stale this node's copy of the shared block list
	// may get (default 1 s; negative: read Redis on every check).
	BlockSync time.Duration
	// Now is the clock (default time.Now). Redis buckets use Redis's
	// clock instead, so that nodes with skewed clocks agree.
	Now    func() time.Time
	Logger *slog.Logger
}

// Limiter applies rates and blocks.
type Limiter struct {
	cfg    Config
	now    func() time.Time
	log    *slog.Logger
	local  *Memory
	remote Backend // Redis; nil without it
	blocks blockStore

	retry     time.Duration
	timeout   time.Duration
	downUntil atomic.Int64 // unix ns: skip Redis until then
	down      atomic.Bool  // an outage has been logged
}

// New returns a Limiter.
func New(o Options) *Limiter {
	if o.Config == nil {
		o.Config = DefaultConfig()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Prefix == "" {
		o.Prefix = "citadel:limit:"
	}
	if o.RedisTimeout <= 0 {
		o.RedisTimeout = 100 * time.Millisecond
	}
	if o.RedisRetry <= 0 {
		o.RedisRetry = time.Second
	}
	if o.BlockSync < 0 {
		o.BlockSync = 0
	} else if o.BlockSync == 0 {
		o.BlockSync = time.Second
	}
	l := &Limiter{cfg: o.Config, now: o.Now, log: o.Logger, retry: o.RedisRetry, timeout: o.RedisTimeout}
	l.local = NewMemory(o.MaxKeys, o.Now)
	mb := newMemBlocks(o.Now)
	if o.Redis != nil {
		if c, ok := o.Redis.(interface{ Options() *redis.Options }); ok && !c.Options().ContextTimeoutEnabled {
			o.Logger.Warn("limit: the Redis client ignores context deadlines; set ContextTimeoutEnabled so a hanging Redis cannot stall requests")
		}
		l.remote = &redisBackend{c: o.Redis, prefix: o.Prefix}
		l.blocks = &redisBlocks{c: o.Redis, prefix: o.Prefix, now: o.Now, sync: o.BlockSync, cache: mb, onErr: l.redisFailed, onOK: l.redisOK}
	} else {
		l.blocks = mb
	}
	return l
}

// RateOf returns the rate of a class.
func (l *Limiter) RateOf(c Class) Rate {
	if r, ok := l.cfg[c]; ok {
		return r
	}
	if r, ok := l.cfg[ClassPage]; ok {
		return r
	}
	return DefaultConfig()[ClassPage]
}

// Allow takes a token from the bucket of (class, key). With Redis, a
// Redis failure falls back to this node's buckets (fail open) and err
// stays nil: the decision is still a valid, local one.
func (l *Limiter) Allow(ctx context.Context, class Class, key string) (bool, time.Duration, error) {
	r := l.RateOf(class)
	if r.PerSecond <= 0 {
		return true, 0, nil
	}
	if r.Burst < 1 {
		r.Burst = 1
	}
	k := string(class) + "|" + key
	if l.remote != nil && l.now().UnixNano() >= l.downUntil.Load() {
		rctx, cancel := context.WithTimeout(ctx, l.timeout)
		ok, retry, err := l.remote.Allow(rctx, k, r)
		cancel()
		if err == nil {
			l.redisOK()
			return ok, retry, nil
		}
		if ctx.Err() != nil {
			return false, 0, ctx.Err()
		}
		l.redisFailed(err)
	}
	return l.local.Allow(ctx, k, r)
}

// redisFailed records a Redis error: decide locally for a while, and
// log the outage once.
func (l *Limiter) redisFailed(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	l.downUntil.Store(l.now().Add(l.retry).UnixNano())
	if l.down.CompareAndSwap(false, true) {
		l.log.Warn("limit: Redis unavailable, rate limits and blocks fall back to this node", "err", err)
	}
}

func (l *Limiter) redisOK() {
	if l.down.Load() && l.down.CompareAndSwap(true, false) {
		l.log.Info("limit: Redis available again")
	}
}
