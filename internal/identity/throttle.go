package identity

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle keeps per-key token buckets (per IP, per account) for sign-in,
// registration and reset. It lives in memory on one node; the perimeter
// work moves shared limits to Redis.
type throttle struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// Limits per kind of key: sustained rate and burst.
var limitSpecs = map[string]struct {
	every time.Duration
	burst int
}{
	"signin-ip":    {2 * time.Second, 30},
	"signin-acct":  {6 * time.Second, 20}, // per account and source; above MaxFailures
	"register-ip":  {30 * time.Second, 10},
	"reset-ip":     {30 * time.Second, 10},
	"reset-acct":   {5 * time.Minute, 3},
	"register-eml": {10 * time.Minute, 2},
	"otp-send":     {time.Minute, 3},
	"mfa-acct":     {6 * time.Second, 10},
}

func newThrottle() *throttle { return &throttle{buckets: map[string]*bucket{}} }

// allow takes a token from the bucket kind:key.
func (t *throttle) allow(kind, key string, now time.Time) bool {
	spec, ok := limitSpecs[kind]
	if !ok {
		panic("identity: unknown throttle kind " + kind)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.sweep) > time.Minute {
		for k, b := range t.buckets {
			if now.Sub(b.seen) > time.Hour {
				delete(t.buckets, k)
			}
		}
		t.sweep = now
	}
	b := t.buckets[kind+"\x00"+key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Every(spec.every), spec.burst)}
		t.buckets[kind+"\x00"+key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}
