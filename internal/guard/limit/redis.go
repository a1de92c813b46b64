package limit

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraScript takes a token from the bucket KEYS[1] in one round trip,
// atomically, on Redis's clock (microseconds, exact in a Lua double).
// ARGV: emission interval and burst tolerance, in µs. It returns 0 when
// allowed, else the wait in µs. The key expires when the bucket is full
// again.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local nxt = tat + interval
local allow_at = nxt - tau
if allow_at > now then return string.format('%d', allow_at - now) end
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', string.format('%d', math.ceil((nxt - now) / 1000) + 1))
return '0'
`)

// redisBackend is the shared Backend.
type redisBackend struct {
	c      redis.UniversalClient
	prefix string
}

// Allow implements Backend.
func (r *redisBackend) Allow(ctx context.Context, key string, rate Rate) (bool, time.Duration, error) {
	if rate.PerSecond <= 0 {
		return true, 0, nil
	}
	interval, tau := gcraParams(rate)
	iu, tu := max(interval/1000, 1), max(tau/1000, 1)
	s, err := gcraScript.Run(ctx, r.c, []string{r.prefix + "b:" + key}, iu, tu).Text()
	if err != nil {
		return false, 0, fmt.Errorf("limit: redis: %w", err)
	}
	wait, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return false, 0, fmt.Errorf("limit: redis: bad reply %q", s)
	}
	if wait <= 0 {
		return true, 0, nil
	}
	return false, time.Duration(wait) * time.Microsecond, nil
}

// escalateScript records an offence of one prefix and blocks it.
// KEYS: strike hash, block hash. ARGV: now, base, cap, window (ms),
// field (the prefix), reason. Returns {offence, until ms}.
var escalateScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0') or 0
local last = tonumber(redis.call('HGET', KEYS[1], 'end') or '0') or 0
if n == 0 or now - last > tonumber(ARGV[4]) then n = 0 end
n = n + 1
local period = tonumber(ARGV[2])
for i = 2, n do
  if period >= tonumber(ARGV[3]) then break end
  period = period * 2
end
if period > tonumber(ARGV[3]) then period = tonumber(ARGV[3]) end
local untl = now + period
local old = redis.call('HGET', KEYS[2], ARGV[5])
if old then
  local ou = tonumber(string.match(old, '^(%d+)|')) or 0
  if ou > untl then untl = ou end
end
redis.call('HSET', KEYS[1], 'n', n, 'end', string.format('%d', untl))
redis.call('PEXPIREAT', KEYS[1], string.format('%d', untl + tonumber(ARGV[4])))
redis.call('HSET', KEYS[2], ARGV[5], string.format('%d', untl) .. '|' .. ARGV[6] .. ' (offence ' .. n .. ')')
return {n, string.format('%d', untl)}
`)

// redisBlocks is the shared block list: one hash, prefix -> "until|reason"
// (until in unix ms; expired fields are dropped when a node refreshes its
// copy). Checks read the node's copy, refreshed at most every sync.
type redisBlocks struct {
	c      redis.UniversalClient
	prefix string
	now    func() time.Time
	sync   time.Duration
	cache  *memBlocks
	onErr  func(error)
	onOK   func()

	mu      sync.Mutex // held while refreshing
	fetched time.Time
}

func (r *redisBlocks) hash() string { return r.prefix + "blocks" }

func (r *redisBlocks) block(ctx context.Context, p netip.Prefix, until time.Time, reason string) error {
	r.cache.block(ctx, p, until, reason) // in force here at once, even if Redis fails
	err := r.c.HSet(ctx, r.hash(), p.String(), strconv.FormatInt(until.UnixMilli(), 10)+"|"+reason).Err()
	if err != nil {
		r.onErr(err)
		return fmt.Errorf("limit: block %v applied on this node only: %w", p, err)
	}
	return nil
}

func (r *redisBlocks) unblock(ctx context.Context, p netip.Prefix) error {
	if err := r.c.HDel(ctx, r.hash(), p.String()).Err(); err != nil {
		r.onErr(err)
		return fmt.Errorf("limit: unblock %v: %w", p, err)
	}
	r.cache.unblock(ctx, p)
	return nil
}

func (r *redisBlocks) blocked(ctx context.Context, a netip.Addr) (BlockEntry, bool) {
	r.refresh(ctx, false)
	return r.cache.blocked(ctx, a)
}

func (r *redisBlocks) list(ctx context.Context) ([]BlockEntry, error) {
	if err := r.refresh(ctx, true); err != nil {
		return nil, err
	}
	return r.cache.list(ctx)
}

func (r *redisBlocks) escalate(ctx context.Context, p netip.Prefix, base time.Duration, reason string) (time.Time, error) {
	now := r.now()
	res, err := escalateScript.Run(ctx, r.c, []string{r.prefix + "strike:" + p.String(), r.hash()},
		now.UnixMilli(), base.Milliseconds(), MaxBlock.Milliseconds(), EscalationWindow.Milliseconds(),
		p.String(), reason).Slice()
	if err != nil || len(res) != 2 {
		if err == nil {
			err = fmt.Errorf("bad reply %v", res)
		}
		r.onErr(err)
		// Fail open to this node: block here, escalating from local strikes.
		until, _ := r.cache.escalate(ctx, p, base, reason)
		return until, fmt.Errorf("limit: block %v applied on this node only: %w", p, err)
	}
	n, _ := res[0].(int64)
	ms, _ := strconv.ParseInt(fmt.Sprint(res[1]), 10, 64)
	until := time.UnixMilli(ms)
	r.cache.block(ctx, p, until, fmt.Sprintf("%s (offence %d)", reason, n))
	return until, nil
}

// refresh reloads the node's copy when it is older than r.sync (or
// always, if force). Only one caller refreshes at a time; the others
// use the copy they have. On error the old copy stays.
func (r *redisBlocks) refresh(ctx context.Context, force bool) error {
	if force {
		r.mu.Lock()
	} else if !r.mu.TryLock() {
		return nil
	}
	defer r.mu.Unlock()
	now := r.now()
	if !force && r.sync > 0 && now.Sub(r.fetched) < r.sync && !r.fetched.IsZero() {
		return nil
	}
	r.fetched = now
	all, err := r.c.HGetAll(ctx, r.hash()).Result()
	if err != nil {
		r.onErr(err)
		return fmt.Errorf("limit: block list: %w", err)
	}
	r.onOK()
	es := make([]BlockEntry, 0, len(all))
	var expired []string
	for f, v := range all {
		p, err1 := netip.ParsePrefix(f)
		ms, reason, ok := strings.Cut(v, "|")
		u, err2 := strconv.ParseInt(ms, 10, 64)
		if err1 != nil || err2 != nil || !ok {
			continue
		}
		until := time.UnixMilli(u)
		if !until.After(now) {
			expired = append(expired, f)
			continue
		}
		es = append(es, BlockEntry{Prefix: p, Until: until, Reason: reason})
	}
	r.cache.replace(es)
	if len(expired) > 0 {
		// A block renewed between HGETALL and HDEL would be lost: only
		// delete fields still holding the value we saw expire.
		for _, f := range expired {
			delIfScript.Run(ctx, r.c, []string{r.hash()}, f, all[f])
		}
	}
	return nil
}

var delIfScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`)
